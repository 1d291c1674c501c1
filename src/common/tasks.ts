/**
 * Task names: the short ones of `irsde eval --task` and the long ones of model configs and cards, so either
 * works everywhere (`restore --task sr`, a trained model whose config says "denoise"). Other names pass through.
 */
const LONG_NAMES: Readonly<Record<string, string>> = {
  sr: 'super-resolution', denoise: 'denoising', derain: 'deraining', deblur: 'deblurring', jpeg: 'jpeg-artifact-removal',
  inpaint: 'inpainting', dehaze: 'dehazing', lowlight: 'low-light-enhancement', wild: 'universal',
};

/** The long name, lower-cased: sr → super-resolution, Denoising → denoising; an unknown name is only lower-cased. */
export function canonicalTask(task: string): string {
  const t = task.toLowerCase();
  return LONG_NAMES[t] ?? t;
}

/** The short `irsde eval --task` name of a task in either form, or null for a task eval does not know. */
export function shortTaskName(task: string): string | null {
  const long = canonicalTask(task);
  return Object.keys(LONG_NAMES).find((k) => LONG_NAMES[k] === long) ?? null;
}
