/**
 * The plain image type every operator and metric in irsde takes: float32, interleaved H×W×C (row-major,
 * channels last), values nominally in [0, 1]. No Node or DOM types, so it works the same in the browser.
 */
export interface FloatImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: number;
}

export function createImage(width: number, height: number, channels: number): FloatImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (!Number.isInteger(channels) || channels <= 0) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  return { data: new Float32Array(width * height * channels), width, height, channels };
}

/**
 * Buffers of intermediate images that a pipeline has finished with (`recycleImage`), handed out again by
 * `takeImageBuffer`. In the wild pipeline each step's output is a new image of up to 3 MB, and fresh buffers cost
 * more than their writing (new pages faulted in, and V8 collects more often as external memory grows): reusing
 * the finished intermediates measured 5–15 % faster per patch. Only a few are kept, newest first (so sizes that do
 * not come back are soon dropped: at most SPARE_BUFFERS × the largest image), and none below SPARE_MIN values.
 */
const spareBuffers: Float32Array[] = [];
const SPARE_BUFFERS = 4;
const SPARE_MIN = 1 << 14;

/** A Float32Array of length n whose contents are unspecified: for callers that overwrite every value. */
export function takeImageBuffer(n: number): Float32Array {
  for (let i = 0; i < spareBuffers.length; i++) {
    if (spareBuffers[i]!.length === n) return spareBuffers.splice(i, 1)[0]!;
  }
  return new Float32Array(n);
}

/**
 * Hand an image's buffer over for reuse. Only for images that nothing refers to any more (a pipeline's finished
 * intermediate results): the buffer becomes the data of a later image.
 */
export function recycleImage(img: FloatImage): void {
  const d = img.data;
  if (d.length < SPARE_MIN || d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength || spareBuffers.includes(d)) return;
  spareBuffers.unshift(d);
  if (spareBuffers.length > SPARE_BUFFERS) spareBuffers.pop();
}

export function cloneImage(img: FloatImage): FloatImage {
  return { data: img.data.slice(), width: img.width, height: img.height, channels: img.channels };
}

export function imageFrom(data: Float32Array, width: number, height: number, channels: number): FloatImage {
  if (data.length !== width * height * channels) {
    throw new RangeError(`image data has ${data.length} values, expected ${width}x${height}x${channels} = ${width * height * channels}`);
  }
  return { data, width, height, channels };
}

export function assertImage(img: FloatImage, what = 'image'): void {
  if (!img || !(img.data instanceof Float32Array)) throw new TypeError(`${what}: expected {data: Float32Array, width, height, channels}`);
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new RangeError(`${what}: data length ${img.data.length} does not match ${img.width}x${img.height}x${img.channels}`);
  }
}

export function sameSize(a: FloatImage, b: FloatImage): boolean {
  return a.width === b.width && a.height === b.height && a.channels === b.channels;
}
