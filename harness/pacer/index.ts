/** The process-wide deadline pacer. */
export { createPacer, type PacerOptions, type PacerStats, type RunningPacer } from './pacer.ts';
export { DeadlineHeap, type HeapItem } from './deadline-heap.ts';
