/** Metrics (browser-safe). The dataset readers and the evaluation harness (Node) are in datasets.ts / evaluate.ts. */
export * from './metrics.js';
