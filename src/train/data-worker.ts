/**
 * Worker-thread entry of the training data pipeline (see data.ts `openBatchSource`): builds the batch of
 * each requested step with `BatchMaker` and transfers its buffers to the main thread. Requests are served
 * concurrently (image decodes are shared through the cache); each reply names its step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchMaker, errorReply, type BatchSpec } from './data.js';

const port = parentPort;
if (!port) throw new Error('data-worker.ts must run in a worker thread');
const maker = new BatchMaker((workerData as { spec: BatchSpec }).spec);

port.on('message', (m: { type: 'batch'; step: number }) => {
  if (m.type !== 'batch') return;
  maker.make(m.step).then(
    (b) => port.postMessage({ type: 'batch', batch: b }, [b.x0.buffer, b.mu.buffer, b.noise.buffer, b.t.buffer] as ArrayBuffer[]),
    (e: unknown) => port.postMessage(errorReply(m.step, e)),
  );
});
