/**
 * What the headless-Chromium tests share: which Chromium binary (Debian's, which `.ci/run` installs, or
 * IRSDE_CHROMIUM), the reason to skip without it, and a plain static file server for a built page. The server
 * sends COOP/COEP so the page is cross-origin isolated (WebAssembly gets threads, as in a real deployment).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

export const chromiumPath = process.env.IRSDE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumSkip: string | false = existsSync(chromiumPath)
  ? false
  : `no Chromium at ${chromiumPath} (install Debian's chromium package, as .ci/run does, or set IRSDE_CHROMIUM)`;

const mime: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.png': 'image/png', '.json': 'application/json',
};

/** Serve `dir` on a free local port. */
export function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    let p = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!p.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (p.endsWith('/')) p += 'index.html';
    try {
      const body = await readFile(p);
      res.writeHead(200, {
        'content-type': mime[extname(p)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
      }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}
