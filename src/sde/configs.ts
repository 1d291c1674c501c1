/**
 * Per-task default configurations of the IR-SDE family (IRSDE.md §9, taken from the reference train ymls),
 * as typed objects. The SDE part (`sde`) is what a checkpoint must store; `createSDE` builds the SDE from it.
 * Training fields describe the papers' settings for the trainer; network names are descriptions only
 * (the network hyper-parameters belong to src/nn).
 */
import { IrsdeError } from '../common/errors.js';
import { DenoisingSDE } from './denoising.js';
import { MeanRevertingSDE, type MeanRevertingSDEConfig } from './sde.js';
import type { SamplerMode } from './samplers.js';

export type TaskMethod = 'IR-SDE' | 'Denoising-SDE' | 'Refusion' | 'Entropy-SDE' | 'DA-CLIP' | 'wild-IR';

export interface OptimizerConfig {
  readonly type: 'adam' | 'adamw' | 'lion';
  readonly lr: number;
  readonly betas: readonly [number, number];
  /** Adam/AdamW epsilon (unused by Lion). */
  readonly eps: number;
  /** 0 everywhere (`weight_decay_G` is absent from every yml). */
  readonly weightDecay: number;
}

export type LrScheduleConfig =
  | { readonly type: 'multistep'; readonly milestones: readonly number[]; readonly gamma: number }
  /** lr_i = η_min + (lr₀ − η_min)(1 + cos(π i/N))/2 with N = the total iterations. */
  | { readonly type: 'cosine'; readonly etaMin: number };

export interface EmaConfig {
  readonly beta: number;
  readonly updateEvery: number;
  readonly updateAfterStep: number;
  readonly power: number;
}

export interface TaskConfig {
  readonly id: string;
  readonly task: string;
  readonly method: TaskMethod;
  /** Human-readable network description (see NETWORKS.md for the actual hyper-parameters). */
  readonly network: string;
  /** The SDE the network is trained with; null for models that do not use one (latent U-Net). */
  readonly sde: MeanRevertingSDEConfig | null;
  /** The SDE of the test yml where it differs from training (Denoising-SDE: λ 75, T 100). */
  readonly testSde?: MeanRevertingSDEConfig;
  /** Default test sampler. For the DenoisingSDE 'ode' means the reverse ODE from the optimal start step t*. */
  readonly sampler: SamplerMode | null;
  readonly loss: 'l1' | 'entropy';
  readonly lossWeight: number;
  readonly batch: number;
  /** HQ patch size. */
  readonly patch: number;
  /** LQ patch size where it differs (SR). */
  readonly lqPatch?: number;
  readonly iterations: number;
  readonly optimizer: OptimizerConfig;
  readonly lrSchedule: LrScheduleConfig;
  readonly ema: EmaConfig;
  readonly augment: { readonly flips: boolean; readonly rotations: boolean };
  readonly notes?: string;
}

const EMA: EmaConfig = Object.freeze({ beta: 0.995, updateEvery: 10, updateAfterStep: 100, power: 2 / 3 });
const AUG = Object.freeze({ flips: true, rotations: true });
const BETAS = Object.freeze([0.9, 0.99] as const);
const MULTISTEP: LrScheduleConfig = Object.freeze({ type: 'multistep', milestones: Object.freeze([200_000, 400_000, 600_000]), gamma: 0.5 });

function irsde(maxSigma: number, T = 100): MeanRevertingSDEConfig {
  return Object.freeze({ kind: 'irsde', maxSigma, T, schedule: 'cosine', eps: 0.005 });
}
function denoisingSde(maxSigma: number, T: number): MeanRevertingSDEConfig {
  return Object.freeze({ kind: 'denoising', maxSigma, T, schedule: 'cosine', eps: 0.04 });
}
function opt(type: OptimizerConfig['type'], lr: number): OptimizerConfig {
  return Object.freeze({ type, lr, betas: BETAS, eps: 1e-8, weightDecay: 0 });
}
function cosine(etaMin: number): LrScheduleConfig {
  return Object.freeze({ type: 'cosine', etaMin });
}

type Row = Omit<TaskConfig, 'ema' | 'augment' | 'lossWeight' | 'loss'> & Partial<Pick<TaskConfig, 'loss'>>;
function row(r: Row): TaskConfig {
  return Object.freeze({ loss: 'l1', lossWeight: 1, ema: EMA, augment: AUG, ...r });
}

const IRSDE_UNET = 'ConditionalUNet nf 64, depth 4';
const REFUSION_NAFNET = 'ConditionalNAFNet width 64, enc [1,1,1,28], middle 1, dec [1,1,1,1]';

export const TASK_CONFIGS = Object.freeze({
  'irsde-deraining': row({
    id: 'irsde-deraining', task: 'deraining (Rain100H)', method: 'IR-SDE', network: IRSDE_UNET, sde: irsde(10),
    sampler: 'posterior', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
  }),
  'irsde-deblurring': row({
    id: 'irsde-deblurring', task: 'deblurring (GoPro)', method: 'IR-SDE', network: IRSDE_UNET, sde: irsde(10),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
  }),
  'irsde-deshadow': row({
    id: 'irsde-deshadow', task: 'shadow removal (NTIRE23)', method: 'IR-SDE', network: IRSDE_UNET, sde: irsde(10),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
    notes: 'the reference test yml uses nf 32, depth 5 and λ 30, inconsistent with the train yml',
  }),
  'irsde-sr4': row({
    id: 'irsde-sr4', task: 'super-resolution ×4 (DF2K)', method: 'IR-SDE', network: IRSDE_UNET, sde: irsde(30),
    sampler: 'sde', batch: 4, patch: 128, lqPatch: 32, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
    notes: 'μ = LR upsampled ×4 to the HR size (bicubic by default)',
  }),
  'irsde-inpainting': row({
    id: 'irsde-inpainting', task: 'inpainting (CelebA-HQ 256)', method: 'IR-SDE', network: IRSDE_UNET, sde: irsde(30),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
    notes: 'the released weights use nf 32',
  }),
  'irsde-denoising': row({
    id: 'irsde-denoising', task: 'Gaussian denoising', method: 'Denoising-SDE', network: 'unconditional ConditionalUNet (in_nc 3) nf 64, depth 4',
    sde: denoisingSde(70, 1000), testSde: denoisingSde(75, 100),
    sampler: 'ode', batch: 8, patch: 128, iterations: 700_000, optimizer: opt('adam', 1e-4), lrSchedule: MULTISTEP,
  }),
  'refusion-deraining': row({
    id: 'refusion-deraining', task: 'deraining', method: 'Refusion', network: REFUSION_NAFNET, sde: irsde(50),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('lion', 4e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-deblurring': row({
    id: 'refusion-deblurring', task: 'deblurring', method: 'Refusion', network: REFUSION_NAFNET, sde: irsde(50),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('lion', 4e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-deshadow': row({
    id: 'refusion-deshadow', task: 'shadow removal', method: 'Refusion', network: REFUSION_NAFNET, sde: irsde(50),
    sampler: 'sde', batch: 4, patch: 128, iterations: 700_000, optimizer: opt('lion', 4e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-sr4': row({
    id: 'refusion-sr4', task: 'super-resolution ×4', method: 'Refusion', network: REFUSION_NAFNET, sde: irsde(50),
    sampler: 'sde', batch: 4, patch: 128, lqPatch: 32, iterations: 700_000, optimizer: opt('lion', 4e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-denoising': row({
    id: 'refusion-denoising', task: 'Gaussian denoising', method: 'Refusion', network: REFUSION_NAFNET, sde: denoisingSde(70, 1000),
    sampler: 'ode', batch: 8, patch: 128, iterations: 700_000, optimizer: opt('lion', 3e-5), lrSchedule: cosine(1e-6),
  }),
  'refusion-latent-unet-haze': row({
    id: 'refusion-latent-unet-haze', task: 'latent U-Net (haze)', method: 'Refusion', network: 'latent U-Net ch 8, mult [4,8,8,16], embed 8',
    sde: null, sampler: null, batch: 16, patch: 256, iterations: 300_000, optimizer: opt('lion', 3e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-latent-dehazing': row({
    id: 'refusion-latent-dehazing', task: 'latent dehazing (NTIRE23 HR)', method: 'Refusion',
    network: 'ConditionalNAFNet img_channel 8 on latents + frozen latent U-Net', sde: irsde(50),
    sampler: 'sde', batch: 8, patch: 1024, iterations: 400_000, optimizer: opt('lion', 3e-5), lrSchedule: cosine(1e-7),
    notes: 'latent 128²; the yml sample_T key is ignored by the IR-SDE class',
  }),
  'refusion-latent-bokeh': row({
    id: 'refusion-latent-bokeh', task: 'latent bokeh', method: 'Refusion',
    network: 'ConditionalNAFNet img_ch 4, enc [2,2,4,8], mid 12, dec [2,2,2,2] + U-Net(64, [1,2,4], 4)', sde: irsde(50),
    sampler: 'sde', batch: 8, patch: 512, iterations: 1_000_000, optimizer: opt('lion', 3e-5), lrSchedule: cosine(1e-7),
  }),
  'refusion-stereo-sr': row({
    id: 'refusion-stereo-sr', task: 'stereo super-resolution', method: 'Refusion', network: 'ConditionalNAFNet + stereo cross-attention',
    sde: irsde(50), sampler: 'sde', batch: 8, patch: 128, lqPatch: 32, iterations: 600_000, optimizer: opt('lion', 3e-5), lrSchedule: cosine(1e-7),
  }),
  'entropy-sde-lowlight': row({
    id: 'entropy-sde-lowlight', task: 'low-light enhancement (LOLv1)', method: 'Entropy-SDE',
    network: 'ConditionalNAFNet width 64, enc [1,1,1,1,28], middle 1, dec [1,1,1,1,1]', sde: irsde(50), loss: 'entropy',
    sampler: 'posterior', batch: 8, patch: 128, iterations: 500_000, optimizer: opt('adamw', 1e-4), lrSchedule: cosine(1e-6),
  }),
  'daclip-universal': row({
    id: 'daclip-universal', task: 'universal restoration (10 degradations)', method: 'DA-CLIP',
    network: 'DA-CLIP ConditionalUNet nf 64, mult [1,2,4,8], context 512', sde: irsde(50),
    sampler: 'posterior', batch: 16, patch: 256, iterations: 700_000, optimizer: opt('adamw', 2e-4), lrSchedule: cosine(1e-6),
  }),
  'wild-ir': row({
    id: 'wild-ir', task: 'restoration in the wild (LSDIR + on-the-fly degradations)', method: 'wild-IR',
    network: 'DA-CLIP ConditionalUNet, context 768, image context only, scale 0.5', sde: irsde(50),
    sampler: 'posterior', batch: 16, patch: 256, iterations: 500_000, optimizer: opt('adamw', 2e-4), lrSchedule: cosine(1e-6),
  }),
} satisfies Record<string, TaskConfig>);

export type TaskId = keyof typeof TASK_CONFIGS;

/** Build the SDE described by a stored config (MeanRevertingSDE for 'irsde', DenoisingSDE for 'denoising'). */
export function createSDE(config: MeanRevertingSDEConfig & { kind: 'irsde' }): MeanRevertingSDE;
export function createSDE(config: MeanRevertingSDEConfig & { kind: 'denoising' }): DenoisingSDE;
export function createSDE(config: MeanRevertingSDEConfig): MeanRevertingSDE | DenoisingSDE;
export function createSDE(config: MeanRevertingSDEConfig): MeanRevertingSDE | DenoisingSDE {
  if (config.kind === 'denoising') {
    if (config.schedule === 'constant') throw new IrsdeError('bad-option', 'the DenoisingSDE has no constant schedule');
    return new DenoisingSDE({ maxSigma: config.maxSigma, T: config.T, schedule: config.schedule, eps: config.eps });
  }
  return new MeanRevertingSDE({ maxSigma: config.maxSigma, T: config.T, schedule: config.schedule, eps: config.eps });
}
