/** What the buffer needs of a message. */
export interface Sequenced {
  id: string;
  seq: number;
}

/**
 * Puts the messages of one room in `seq` order, exactly once: `add` takes messages as they come
 * (live events, recovered pages, in any order, with repeats) and returns those that can be
 * delivered now, in order. A message past a gap waits until the gap is filled; one at or below the
 * last delivered seq, or already waiting, is a duplicate and dropped.
 */
export class SeqBuffer<M extends Sequenced> {
  private readonly waiting = new Map<number, M>();
  private readonly waitingIds = new Set<string>();
  /** Ids of the last delivered messages, to recognise a repeat by id too. */
  private readonly recentIds = new Set<string>();
  private readonly recentLimit: number;
  private last: number;
  duplicates = 0;
  delivered = 0;

  /** `afterSeq`: the last seq already seen (delivery starts at afterSeq + 1). */
  constructor(afterSeq: number, options: { recentIds?: number } = {}) {
    this.last = afterSeq;
    this.recentLimit = options.recentIds ?? 1_000;
  }

  /** The seq of the last message delivered (or the starting point). */
  get lastSeq(): number {
    return this.last;
  }

  /** True while messages wait for a gap below them to be filled. */
  get hasGap(): boolean {
    return this.waiting.size > 0;
  }

  /** How many messages wait. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  add(messages: Iterable<M>): M[] {
    for (const message of messages) {
      if (
        message.seq <= this.last ||
        this.waiting.has(message.seq) ||
        this.waitingIds.has(message.id) ||
        this.recentIds.has(message.id)
      ) {
        this.duplicates++;
        continue;
      }
      this.waiting.set(message.seq, message);
      this.waitingIds.add(message.id);
    }
    const ready: M[] = [];
    for (let next = this.waiting.get(this.last + 1); next; next = this.waiting.get(this.last + 1)) {
      this.waiting.delete(next.seq);
      this.waitingIds.delete(next.id);
      this.remember(next.id);
      this.last = next.seq;
      ready.push(next);
    }
    this.delivered += ready.length;
    return ready;
  }

  private remember(id: string): void {
    this.recentIds.add(id);
    if (this.recentIds.size > this.recentLimit) {
      this.recentIds.delete(this.recentIds.values().next().value as string);
    }
  }
}
