/**
 * The shipped models (../../models/<name>/), found at build time: their config.json files are bundled and
 * their weights become static assets fetched on first use. Nothing is downloaded from anywhere else.
 */
import type { ModelConfig } from '../../src/restore/config.js';

const configs = import.meta.glob<ModelConfig>('../../models/*/config.json', { eager: true, import: 'default' });
const weights = import.meta.glob<string>('../../models/*/model.safetensors', { eager: true, query: '?url', import: 'default' });

export interface ShippedModel {
  name: string;
  task: string;
  description: string;
  config: ModelConfig;
  weightsUrl: string;
}

/** The default model of the CLI (README): first in the list. */
export const DEFAULT_MODEL = 'denoise-color';

export const MODELS: ShippedModel[] = Object.entries(configs)
  .flatMap(([path, config]) => {
    const url = weights[path.replace(/config\.json$/, 'model.safetensors')];
    return url ? [{ name: config.name, task: config.task, description: config.description ?? '', config, weightsUrl: url }] : [];
  })
  .sort((a, b) => (a.name === DEFAULT_MODEL ? -1 : b.name === DEFAULT_MODEL ? 1 : a.name.localeCompare(b.name)));
