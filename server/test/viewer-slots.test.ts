// A live result's viewer slots: one execution answers every viewer, each frame filled for its own,
// and viewers whose slots answer alike share one filled JSON.
import { describe, expect, it } from 'vitest';
import { ViewerSlots } from '../src/realtime/viewer-slots.js';

const at = (...keys: (string | number)[]) => ({
  path: keys.reduce<{ key: string | number; prev: any; typename: undefined }>(
    (prev, key) => ({ key, prev, typename: undefined }),
    undefined as never,
  ),
});

describe('viewer slots', () => {
  it('fill each viewer’s answers into the one JSON, and key viewers by what they are answered', () => {
    const slots = new ViewerSlots();
    const data = {
      messageAdded: { clientMessageId: 'c-1', reactions: [{ emoji: '👍', viewerReacted: false }], body: 'hi' },
    };
    slots.add(at('messageAdded', 'clientMessageId'), (viewer) => (viewer === 'author' ? 'c-1' : null));
    slots.add(at('messageAdded', 'reactions', 0, 'viewerReacted'), (viewer) => viewer === 'fan');
    slots.mark(data);
    const fill = slots.fill(JSON.stringify(data));
    const parsed = (viewer: string | null) => JSON.parse(fill(viewer)).messageAdded;
    expect(parsed('author')).toEqual({
      clientMessageId: 'c-1',
      reactions: [{ emoji: '👍', viewerReacted: false }],
      body: 'hi',
    });
    expect(parsed('fan')).toEqual({
      clientMessageId: null,
      reactions: [{ emoji: '👍', viewerReacted: true }],
      body: 'hi',
    });
    expect(parsed(null)).toEqual({
      clientMessageId: null,
      reactions: [{ emoji: '👍', viewerReacted: false }],
      body: 'hi',
    });

    const keys = ['author', 'fan', 'a', 'b', null].map((viewer) => slots.answersFor(viewer));
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe(keys[3]);
    expect(keys[3]).toBe(keys[4]);
    expect(keys[0]).not.toBe(keys[2]);
    expect(keys[1]).not.toBe(keys[2]);
  });

  it('are empty when nothing was recorded, and then every viewer gets the same JSON', () => {
    const slots = new ViewerSlots();
    expect(slots.empty).toBe(true);
    const json = JSON.stringify({ a: 1 });
    expect(slots.fill(json)('anyone')).toBe(json);
  });
});
