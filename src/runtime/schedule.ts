/**
 * Learning-rate schedules: pure functions `(step) => lr`, where `step` is the number of optimiser updates
 * already done (0 for the first update), i.e. PyTorch's scheduler `last_epoch` when `scheduler.step()` is
 * called once after every optimiser step, as the IR-SDE trainers do.
 */
import { IrsdeError } from '../common/errors.js';

export type LRSchedule = (step: number) => number;

function bad(msg: string): IrsdeError {
  return new IrsdeError('bad-option', msg);
}

function checkLr(v: number, what: string): void {
  if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw bad(`${what} must be a finite number ≥ 0, got ${v}`);
}

function checkStep(step: number): number {
  if (typeof step !== 'number' || Number.isNaN(step)) throw bad(`schedule step must be a number, got ${step}`);
  return step < 0 ? 0 : step;
}

export function constantLR(lr: number): LRSchedule {
  checkLr(lr, 'lr');
  return (step) => {
    checkStep(step);
    return lr;
  };
}

export interface CosineOptions {
  baseLr: number;
  /** Steps over which the rate falls from baseLr to minLr (warm-up included). */
  totalSteps: number;
  /** Linear warm-up: lr = baseLr·(step+1)/warmupSteps for step < warmupSteps. Default 0. */
  warmupSteps?: number;
  /** η_min. Default 0. */
  minLr?: number;
}

/**
 * Linear warm-up, then the reference's "TrueCosineAnnealingLR": lr = minLr + (baseLr − minLr)(1 + cos(π i / N))/2
 * with i = step − warmupSteps and N = totalSteps − warmupSteps (so with no warm-up it is exactly the
 * reference). From step N on it stays at minLr (PyTorch's would climb back up).
 */
export function cosineLR(opts: CosineOptions): LRSchedule {
  const { baseLr, totalSteps, warmupSteps = 0, minLr = 0 } = opts;
  checkLr(baseLr, 'baseLr');
  checkLr(minLr, 'minLr');
  if (!Number.isSafeInteger(warmupSteps) || warmupSteps < 0) throw bad(`warmupSteps must be an integer ≥ 0, got ${warmupSteps}`);
  if (!Number.isSafeInteger(totalSteps) || totalSteps <= warmupSteps) throw bad(`totalSteps must be an integer > warmupSteps (${warmupSteps}), got ${totalSteps}`);
  const n = totalSteps - warmupSteps;
  return (step) => {
    const s = checkStep(step);
    if (s < warmupSteps) return (baseLr * (Math.floor(s) + 1)) / warmupSteps;
    const i = s - warmupSteps;
    if (i >= n) return minLr;
    return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * i) / n))) / 2;
  };
}

export interface MultiStepOptions {
  baseLr: number;
  /** Default [200000, 400000, 600000] (the IR-SDE configs). */
  milestones?: readonly number[];
  /** Default 0.5. */
  gamma?: number;
}

/** PyTorch MultiStepLR: lr = baseLr · gamma^(number of milestones ≤ step). */
export function multiStepLR(opts: MultiStepOptions): LRSchedule {
  const { baseLr, milestones = [200_000, 400_000, 600_000], gamma = 0.5 } = opts;
  checkLr(baseLr, 'baseLr');
  if (!(gamma > 0 && Number.isFinite(gamma))) throw bad(`gamma must be > 0, got ${gamma}`);
  const ms = [...milestones];
  for (let i = 0; i < ms.length; i++) {
    if (!Number.isSafeInteger(ms[i]) || ms[i]! < 0) throw bad(`milestones must be integers ≥ 0, got ${JSON.stringify(milestones)}`);
    if (i > 0 && ms[i]! < ms[i - 1]!) throw bad(`milestones must be in increasing order, got ${JSON.stringify(milestones)}`);
  }
  return (step) => {
    const s = checkStep(step);
    let k = 0;
    while (k < ms.length && ms[k]! <= s) k++;
    return baseLr * Math.pow(gamma, k);
  };
}
