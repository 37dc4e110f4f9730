import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FARGATE_CPU_OPTIONS, isValidFargatePair, smallestFargateSize } from '../../shared/planning/fargateSizes';
import { planMemoryResize } from '../../shared/planning/planMemoryResize';

const limits = { multiplier: 2, maxTaskMemoryMiB: 16384 };

describe('Plan: ecs-resize-memory', () => {
  describe('Fargate', () => {
    it('doubles task memory at the same CPU when the pair allows it', () => {
      const plan = planMemoryResize({ fargate: true, cpu: 256, memory: 512, containers: [{ name: 'app' }] }, ['app'], limits);
      expect(plan).toEqual({ ok: true, change: { taskMemory: { from: 512, to: 1024 }, containers: [] } });
    });

    it('raises CPU when 0.25 vCPU cannot hold the new memory (2048 -> 4096 needs 512 CPU)', () => {
      const plan = planMemoryResize({ fargate: true, cpu: 256, memory: 2048, containers: [{ name: 'app', memory: 2048 }] }, ['app'], limits);
      expect(plan).toEqual({
        ok: true,
        change: { taskCpu: { from: 256, to: 512 }, taskMemory: { from: 2048, to: 4096 }, containers: [{ name: 'app', memory: { from: 2048, to: 4096 } }] },
      });
    });

    it('rounds up to the next valid size (1.5x of 3072 = 4608 -> 5120 at 1 vCPU)', () => {
      const plan = planMemoryResize({ fargate: true, cpu: 1024, memory: 3072, containers: [] }, [], { multiplier: 1.5, maxTaskMemoryMiB: 16384 });
      expect(plan).toEqual({ ok: true, change: { taskMemory: { from: 3072, to: 5120 }, containers: [] } });
    });

    it('stops at the cap: grows to the largest valid size under it', () => {
      const plan = planMemoryResize({ fargate: true, cpu: 1024, memory: 6144, containers: [] }, [], { multiplier: 2, maxTaskMemoryMiB: 8192 });
      expect(plan).toEqual({ ok: true, change: { taskMemory: { from: 6144, to: 8192 }, containers: [] } });
    });

    it('refuses when memory is already at the cap', () => {
      const plan = planMemoryResize({ fargate: true, cpu: 1024, memory: 8192, containers: [] }, [], { multiplier: 2, maxTaskMemoryMiB: 8192 });
      expect(plan).toEqual({ ok: false, reason: 'task memory 8192 MiB cannot grow under the 8192 MiB cap on a valid Fargate size' });
    });

    it('keeps the killed container inside what the task leaves after its sidecars', () => {
      const plan = planMemoryResize(
        { fargate: true, cpu: 512, memory: 1024, containers: [{ name: 'app', memory: 768 }, { name: 'envoy', memory: 256 }] },
        ['app'],
        limits,
      );
      expect(plan).toEqual({
        ok: true,
        change: { taskMemory: { from: 1024, to: 2048 }, containers: [{ name: 'app', memory: { from: 768, to: 1536 } }] },
      });
    });

    it('refuses a Fargate task definition without task-level sizes', () => {
      expect(planMemoryResize({ fargate: true, containers: [] }, [], limits)).toEqual({
        ok: false,
        reason: 'Fargate task definition without task-level cpu/memory: cannot compute a valid size',
      });
    });

    it('always lands on a valid Fargate pair, above the old memory and within the cap', () => {
      const validSizes = FARGATE_CPU_OPTIONS.flatMap((o) => o.memories.map((memory) => ({ cpu: o.cpu, memory })));
      fc.assert(
        fc.property(
          fc.constantFrom(...validSizes),
          fc.double({ min: 1.1, max: 4, noNaN: true }),
          fc.integer({ min: 512, max: 122880 }),
          (size, multiplier, cap) => {
            const plan = planMemoryResize({ fargate: true, cpu: size.cpu, memory: size.memory, containers: [] }, [], { multiplier, maxTaskMemoryMiB: cap });
            if (!plan.ok) return;
            const to = plan.change.taskMemory?.to ?? size.memory;
            const cpu = plan.change.taskCpu?.to ?? size.cpu;
            expect(isValidFargatePair(cpu, to)).toBe(true);
            expect(to).toBeGreaterThan(size.memory);
            expect(to).toBeLessThanOrEqual(cap);
            expect(cpu).toBeGreaterThanOrEqual(size.cpu);
          },
        ),
        { numRuns: 2000 },
      );
    });
  });

  describe('EC2', () => {
    it('doubles the container hard limit when there is no task-level memory', () => {
      const plan = planMemoryResize({ fargate: false, containers: [{ name: 'app', memory: 512, memoryReservation: 256 }] }, ['app'], limits);
      expect(plan).toEqual({ ok: true, change: { containers: [{ name: 'app', memory: { from: 512, to: 1024 } }] } });
    });

    it('refuses when the killed container has only a soft limit and the task none', () => {
      const plan = planMemoryResize({ fargate: false, containers: [{ name: 'app', memoryReservation: 256 }] }, ['app'], limits);
      expect(plan).toEqual({ ok: false, reason: 'no task or container hard memory limit to raise' });
    });

    it('caps the container at the configured maximum', () => {
      const plan = planMemoryResize({ fargate: false, containers: [{ name: 'app', memory: 12000 }] }, ['app'], limits);
      expect(plan).toEqual({ ok: true, change: { containers: [{ name: 'app', memory: { from: 12000, to: 16384 } }] } });
    });
  });
});

describe('smallestFargateSize', () => {
  it('names the smallest CPU that can hold the memory', () => {
    expect(smallestFargateSize({ currentCpu: 256, minMemory: 3072, maxMemory: 8192 })).toEqual({ cpu: 512, memory: 3072 });
    expect(smallestFargateSize({ currentCpu: 256, minMemory: 9000, maxMemory: 122880 })).toEqual({ cpu: 2048, memory: 9216 });
    expect(smallestFargateSize({ currentCpu: 256, minMemory: 9000, maxMemory: 9000 })).toBeUndefined();
  });
});
