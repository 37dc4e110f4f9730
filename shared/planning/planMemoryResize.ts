/**
 * Plans the OOM remediation: more memory for the task and for the container that was
 * killed, within the configured cap and on a size Fargate accepts.
 * Pure: the sizes in, the change (or the reason there is none) out.
 */
import { largestFargateSizeUnder, smallestFargateSize } from './fargateSizes';

export interface TaskSizing {
  /** Fargate tasks must use a valid task-level CPU/memory pair. */
  fargate: boolean;
  /** Task-level CPU units and memory MiB, when set. */
  cpu?: number | undefined;
  memory?: number | undefined;
  containers: ReadonlyArray<{ name: string; memory?: number | undefined; memoryReservation?: number | undefined }>;
}

export interface ResizeLimits {
  multiplier: number;
  maxTaskMemoryMiB: number;
}

export interface Resize<T> {
  from: T;
  to: T;
}

export interface MemoryChange {
  taskCpu?: Resize<number>;
  taskMemory?: Resize<number>;
  containers: Array<{ name: string; memory: Resize<number> }>;
}

export type MemoryResizePlan = { ok: true; change: MemoryChange } | { ok: false; reason: string };

/**
 * @example
 * planMemoryResize(
 *   { fargate: true, cpu: 256, memory: 2048, containers: [{ name: 'app', memory: 2048 }] },
 *   ['app'],
 *   { multiplier: 2, maxTaskMemoryMiB: 8192 },
 * );
 * // { ok: true, change: { taskCpu: { from: 256, to: 512 }, taskMemory: { from: 2048, to: 4096 },
 * //   containers: [{ name: 'app', memory: { from: 2048, to: 4096 } }] } }
 */
export function planMemoryResize(sizing: TaskSizing, oomContainers: readonly string[], limits: ResizeLimits): MemoryResizePlan {
  const cap = limits.maxTaskMemoryMiB;
  const change: MemoryChange = { containers: [] };

  let newTaskMemory: number | undefined;
  if (sizing.fargate) {
    if (sizing.cpu === undefined || sizing.memory === undefined) {
      return { ok: false, reason: 'Fargate task definition without task-level cpu/memory: cannot compute a valid size' };
    }
    const current = sizing.memory;
    const desired = Math.min(Math.ceil(current * limits.multiplier), cap);
    const size =
      smallestFargateSize({ currentCpu: sizing.cpu, minMemory: desired, maxMemory: cap }) ??
      largestFargateSizeUnder({ currentCpu: sizing.cpu, aboveMemory: current, maxMemory: cap });
    if (size === undefined || size.memory <= current) {
      return { ok: false, reason: `task memory ${current} MiB cannot grow under the ${cap} MiB cap on a valid Fargate size` };
    }
    newTaskMemory = size.memory;
    change.taskMemory = { from: current, to: size.memory };
    if (size.cpu !== sizing.cpu) change.taskCpu = { from: sizing.cpu, to: size.cpu };
  } else if (sizing.memory !== undefined) {
    const to = Math.min(Math.ceil(sizing.memory * limits.multiplier), cap);
    if (to > sizing.memory) {
      newTaskMemory = to;
      change.taskMemory = { from: sizing.memory, to };
    }
  }

  // The killed container's hard limit is what the kernel enforced: raise it too, within
  // what the task leaves after the other containers' hard limits.
  const killed = new Set(oomContainers);
  const othersHard = (name: string) =>
    sizing.containers.filter((c) => c.name !== name).reduce((sum, c) => sum + (c.memory ?? 0), 0);
  for (const container of sizing.containers) {
    if (!killed.has(container.name) || container.memory === undefined) continue;
    const ceiling = newTaskMemory !== undefined ? newTaskMemory - othersHard(container.name) : cap;
    const to = Math.min(Math.ceil(container.memory * limits.multiplier), cap, ceiling);
    if (to > container.memory) change.containers.push({ name: container.name, memory: { from: container.memory, to } });
  }

  if (change.taskMemory === undefined && change.containers.length === 0) {
    return {
      ok: false,
      reason:
        sizing.memory === undefined && sizing.containers.every((c) => c.memory === undefined)
          ? 'no task or container hard memory limit to raise'
          : `memory is already at the ${cap} MiB cap`,
    };
  }
  return { ok: true, change };
}
