/** Degradation operators and the wild pipeline: plain `{data, width, height, channels}` images, no Node imports. */
export * from './random.js';
export * as detmath from './detmath.js';
export * from './kernels.js';
export * from './filter.js';
export * from './resize.js';
export * from './noise.js';
export * from './jpeg.js';
export * from './blur.js';
export * from './synthetic.js';
export * from './masks.js';
export * from './wild.js';
export * from './ops.js';
