import { randomBytes } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';

/** What a slot's field is for one viewer (a JSON-able value). */
export type SlotValue = (viewerId: string | null) => unknown;

/** A result's JSON with its slots filled for one viewer. */
export type Filled = (viewerId: string | null) => string;

/** Unguessable, so no stored text can pass for a slot's marker. */
const NONCE = randomBytes(12).toString('hex');
/** A marker as it appears in JSON: JSON.stringify writes U+0000 as the six characters \u0000. */
const MARKER = new RegExp(`"\\\\u0000${NONCE}:(\\d+)"`);

/**
 * Fields whose value is the only part of a live event's result that depends on who receives it
 * (whether the viewer reacted with an emoji, a message's clientMessageId for its author): the event
 * is executed once for every subscriber, each such field records how to answer it for any viewer,
 * and each subscriber's frame is the one shared JSON with those values put in.
 */
export class ViewerSlots {
  private readonly slots: { path: (string | number)[]; value: SlotValue }[] = [];

  /** Whether no field recorded a slot: the result is the same for every viewer. */
  get empty(): boolean {
    return this.slots.length === 0;
  }

  /** Records that the field being resolved is answered per viewer by `value`. */
  add(info: Pick<GraphQLResolveInfo, 'path'>, value: SlotValue): void {
    const path: (string | number)[] = [];
    for (let at: GraphQLResolveInfo['path'] | undefined = info.path; at; at = at.prev) path.unshift(at.key);
    this.slots.push({ path, value });
  }

  /**
   * Puts each slot's marker where its field is in `data` (an execution's result data, changed in
   * place): from then on, that data serialized goes through `fill`.
   */
  mark(data: unknown): void {
    for (const [index, { path }] of this.slots.entries()) {
      let parent = data as Record<string | number, unknown> | null;
      for (const key of path.slice(0, -1)) {
        parent = parent?.[key] as typeof parent;
        if (parent == null) break;
      }
      if (parent != null) parent[path.at(-1)!] = `\u0000${NONCE}:${index}`;
    }
  }

  /**
   * What the slots answer for one viewer, as a key: viewers with the same key get the same filled
   * JSON (everyone but a message's author, everyone who did not react), so it is made once for them.
   */
  answersFor(viewerId: string | null): string {
    let key = '';
    for (const { value } of this.slots) key += `${JSON.stringify(value(viewerId) ?? null)}\u0000`;
    return key;
  }

  /** `json` (of marked data) split at its markers, once; each call fills them for one viewer. */
  fill(json: string): Filled {
    const pieces = json.split(MARKER);
    if (pieces.length === 1) return () => json;
    return (viewerId) => {
      let out = pieces[0]!;
      for (let i = 1; i < pieces.length; i += 2) {
        out += JSON.stringify(this.slots[Number(pieces[i])]!.value(viewerId) ?? null) + pieces[i + 1]!;
      }
      return out;
    };
  }
}
