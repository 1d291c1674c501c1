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
