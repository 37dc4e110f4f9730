/**
 * Fargate accepts only certain task CPU / memory pairs (AWS docs: "Task CPU and memory",
 * Amazon ECS Developer Guide). RegisterTaskDefinition rejects any other pair, so a resize
 * must land on one of these, raising CPU when the new memory needs it.
 */
export interface FargateCpuOption {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** Valid task memory sizes in MiB for this CPU, ascending. */
  memories: readonly number[];
}

const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

export const FARGATE_CPU_OPTIONS: readonly FargateCpuOption[] = [
  { cpu: 256, memories: [512, 1024, 2048] },
  { cpu: 512, memories: range(1024, 4096, 1024) },
  { cpu: 1024, memories: range(2048, 8192, 1024) },
  { cpu: 2048, memories: range(4096, 16384, 1024) },
  { cpu: 4096, memories: range(8192, 30720, 1024) },
  { cpu: 8192, memories: range(16384, 61440, 4096) },
  { cpu: 16384, memories: range(32768, 122880, 8192) },
];

export function isValidFargatePair(cpu: number, memory: number): boolean {
  return FARGATE_CPU_OPTIONS.some((option) => option.cpu === cpu && option.memories.includes(memory));
}

/**
 * The smallest valid Fargate size with at least `minMemory` MiB and at most `maxMemory`,
 * keeping CPU at `currentCpu` when it can and raising it only as far as needed.
 * Returns undefined when no valid size fits under the cap.
 *
 * @example
 * smallestFargateSize({ currentCpu: 256, minMemory: 3072, maxMemory: 8192 });
 * // { cpu: 512, memory: 3072 } - 256 CPU stops at 2048 MiB
 */
export function smallestFargateSize(options: { currentCpu: number; minMemory: number; maxMemory: number }): { cpu: number; memory: number } | undefined {
  for (const option of FARGATE_CPU_OPTIONS) {
    if (option.cpu < options.currentCpu) continue;
    const memory = option.memories.find((m) => m >= options.minMemory && m <= options.maxMemory);
    if (memory !== undefined) return { cpu: option.cpu, memory };
  }
  return undefined;
}

/**
 * The largest valid Fargate memory at or under `maxMemory` that is still above
 * `aboveMemory`, at the smallest CPU (not below `currentCpu`) that allows it.
 * Used when doubling would cross the cap: grow as far as the cap allows, no further.
 */
export function largestFargateSizeUnder(options: { currentCpu: number; aboveMemory: number; maxMemory: number }): { cpu: number; memory: number } | undefined {
  let best: { cpu: number; memory: number } | undefined;
  for (const option of FARGATE_CPU_OPTIONS) {
    if (option.cpu < options.currentCpu) continue;
    for (const memory of option.memories) {
      if (memory > options.aboveMemory && memory <= options.maxMemory && (best === undefined || memory > best.memory)) {
        best = { cpu: option.cpu, memory };
      }
    }
  }
  return best;
}
