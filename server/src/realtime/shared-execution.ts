import {
  createSourceEventStream,
  execute,
  getNamedType,
  getOperationAST,
  isCompositeType,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLUnionType,
  isAbstractType,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../infra/metrics.js';
import { tracedDelivery } from '../infra/tracing.js';
import type { Context, LiveOperation } from '../schema/context.js';
import { NextFrames } from './frames.js';
import type { ChannelStream } from './stream.js';
import { type Filled, ViewerSlots } from './viewer-slots.js';

/**
 * Live events, executed once per event and not once per subscriber.
 *
 * Each subscriber keeps its own event stream (authorization when it starts, its own leave ends it),
 * but an event is turned into a result once for all the subscribers on this replica that asked for
 * it with the same document and variables, and, when the event's own selections (those of its type,
 * for a union such as RoomEvent) include a field whose value depends on who asks (marked
 * `viewerDependent` in the schema), the same viewer. Without this, a
 * message to a room of 50 subscribers ran 50 identical executions. Leaves that only say something
 * about the viewer (`viewerSlot`: whether they reacted) do not split the group: the one execution
 * records how to answer them for anyone, and each subscriber's frame is filled in (viewer-slots.ts).
 *
 * Over WebSocket the subscribers of a group are written together (SocketGroup): the result is
 * serialized once, framed once per operation id, and written to every socket in one loop, in the
 * order the events arrived, without an async iterator or a promise per subscriber (graphql-ws then
 * only sees the subscription end). Elsewhere results go through the iterator.
 */
export function useSharedExecution(metrics: Metrics, maskError: (error: unknown) => Error): Plugin<Context> {
  const options = { metrics, maskError };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(((args: ExecutionArgs) => sharedSubscribe(args, options)) as never);
    },
  };
}

interface Options {
  metrics: Metrics;
  maskError: (error: unknown) => Error;
}

/**
 * A result, and its JSON with errors masked (made when first asked for). With slots, the result's
 * data holds their markers, and each subscriber's JSON and data are filled for its viewer.
 */
interface Shared {
  result: ExecutionResult;
  slots?: ViewerSlots;
  json?: Filled;
  data?: Filled;
  /** Its frames over WebSocket: one set, or, with slots, one set per distinct answer of the slots. */
  frames?: NextFrames | Map<string, NextFrames>;
}

/** Results being made, by event (the object the pub/sub gave every subscriber), then by group. */
const resultsByEvent = new WeakMap<object, Map<string, Promise<Shared>>>();
/** A number per document object (the parser cache gives one object per distinct text). */
const documentKeys = new WeakMap<DocumentNode, number>();
let nextDocumentKey = 0;
/**
 * How much of a document's result depends on the viewer, by document and operation name: nothing,
 * only leaves answered through slots, or fields that need an execution per viewer.
 */
type Dependence = 'none' | 'slots' | 'all';
const viewerDependence = new WeakMap<DocumentNode, Map<string, Dependences>>();

async function sharedSubscribe(
  args: ExecutionArgs,
  options: Options,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const ctx = args.contextValue as Context;
  // The subscribe resolvers return their streams once these listen on the pub/sub.
  ctx.live?.listening();
  const dependence = dependsOnViewer(args.schema, args.document, args.operationName ?? '');
  const viewerId = ctx.viewer?.userId ?? null;
  const sharedKey = [
    documentKey(args.document),
    args.operationName ?? '',
    JSON.stringify(args.variableValues ?? {}),
  ].join('\u0000');
  const key = dependence.all === 'all' ? `${sharedKey}\u0000${viewerId ?? 'guest'}` : sharedKey;
  // A subscriber over WebSocket joins its group, whose execution is the first subscriber's (the
  // same document, variables and, where it matters, viewer make the same result); it keeps one
  // object of its own. Elsewhere each subscriber iterates, sharing results through `resultFor`.
  if (ctx.live && 'listen' in source) {
    const group = socketGroups.get(key) ?? new SocketGroup(key, sharedKey, args, dependence, options);
    return new SocketSubscriber(group.join(), source as ChannelStream<unknown>, ctx.live, viewerId);
  }
  const group = new Group(key, sharedKey, args, dependence, options);
  return mapStream(source, async (event) => {
    const shared = await group.resultFor(event);
    group.delivered(event, 1);
    if (!shared.slots || shared.result.data == null) return shared.result;
    shared.data ??= shared.slots.fill(JSON.stringify(shared.result.data));
    return { ...shared.result, data: JSON.parse(shared.data(viewerId)) as ExecutionResult['data'] };
  });
}

/** Fills a shared result's JSON for each viewer (the same string for all when it has no slots). */
const fillerOf = (shared: Shared, json: string): Filled => (shared.slots ? shared.slots.fill(json) : () => json);

function masked(result: ExecutionResult, maskError: (error: unknown) => Error): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map((error) => maskError(error) as never) } : result;
}

/**
 * Subscribers with one group key: how an event becomes their result, once per event and replica
 * (the execution is that of the subscriber the group was made for).
 */
class Group {
  readonly field: string;

  /**
   * @param key The group's key: the document, operation and variables, and the viewer when the
   *   document selects a field that depends on who asks.
   * @param sharedKey The same without the viewer: the groups of all viewers share the result of an
   *   event whose own selections (those of its type) depend on nobody.
   */
  constructor(
    readonly key: string,
    private readonly sharedKey: string,
    protected readonly args: ExecutionArgs,
    private readonly dependence: Dependences,
    protected readonly options: Options,
  ) {
    this.field = fieldOf(args.document, args.operationName);
  }

  /** The result of `event` for this group: made by the first subscriber that asks, shared with the rest. */
  resultFor(event: unknown): Promise<Shared> {
    const dependence = this.dependenceOf(event);
    if (typeof event !== 'object' || event === null) return this.run(event, dependence);
    let byGroup = resultsByEvent.get(event);
    if (!byGroup) resultsByEvent.set(event, (byGroup = new Map()));
    const key = dependence === 'all' ? this.key : this.sharedKey;
    let result = byGroup.get(key);
    if (!result) byGroup.set(key, (result = this.run(event, dependence)));
    return result;
  }

  /** How much of this event's result depends on the viewer: what its type's selections do. */
  private dependenceOf(event: unknown): Dependence {
    const { all, byType, union } = this.dependence;
    if (!byType || !union?.resolveType) return all;
    const type = union.resolveType(event, this.args.contextValue, undefined as never, union);
    return (typeof type === 'string' && byType.get(type)) || all;
  }

  private run(event: unknown, dependence: Dependence): Promise<Shared> {
    const { args, options } = this;
    return tracedDelivery(this.field, event, async () => {
      options.metrics.eventExecutions.inc({ field: this.field });
      if (dependence !== 'slots') return { result: await execute({ ...args, rootValue: event }) };
      const slots = new ViewerSlots();
      const contextValue = Object.create(args.contextValue as Context, { viewerSlots: { value: slots } }) as Context;
      const result = await execute({ ...args, rootValue: event, contextValue });
      slots.mark(result.data);
      // No viewer leaf answered (a new message has no reactions): one JSON and one frame for all.
      return slots.empty ? { result } : { result, slots };
    });
  }

  delivered(event: unknown, count: number): void {
    const at = (event as { at?: unknown } | null)?.at;
    if (typeof at === 'number') this.options.metrics.delivered(this.field, at, count);
  }
}

/** A subscriber over WebSocket: where its frames go, and the viewer its slots are filled for. */
interface Target {
  live: LiveOperation;
  viewerId: string | null;
}

/** The groups of subscribers over WebSocket on this replica, by group key. */
const socketGroups = new Map<string, SocketGroup>();

/**
 * The subscribers over WebSocket on this replica that share a group. An event they hear is executed
 * once, serialized once, framed once per operation id (realtime/frames.ts), and written to all of
 * them in one loop, events in the order they arrived: one promise per event, none per subscriber.
 */
class SocketGroup extends Group {
  private subscribers = 0;
  /** Resolves when every event heard so far is written. */
  private written: Promise<void> = Promise.resolve();
  /** The subscribers that heard each event not yet written (the pub/sub hands one event object to all). */
  private readonly hearing = new Map<object, Target[]>();

  join(): this {
    if (this.subscribers++ === 0) socketGroups.set(this.key, this);
    return this;
  }

  /** One subscriber ended: resolves once what it heard is written. */
  leave(): Promise<void> {
    if (--this.subscribers === 0 && socketGroups.get(this.key) === this) socketGroups.delete(this.key);
    return this.written;
  }

  deliver(event: unknown, target: Target): void {
    const heard = typeof event === 'object' && event !== null ? event : undefined;
    const hearing = heard && this.hearing.get(heard);
    if (hearing) {
      hearing.push(target);
      return;
    }
    const batch = [target];
    if (heard) this.hearing.set(heard, batch);
    const result = this.resultFor(event);
    // Each event handles its own failure, so one lost event cannot stop the ones after it.
    this.written = this.written
      .then(() => result)
      .then(
        (shared) => {
          if (heard) this.hearing.delete(heard);
          this.write(event, shared, batch);
        },
        (error) => {
          if (heard) this.hearing.delete(heard);
          this.failed(error);
        },
      );
  }

  private write(event: unknown, shared: Shared, targets: Target[]): void {
    shared.json ??= fillerOf(shared, JSON.stringify(masked(shared.result, this.options.maskError)));
    const json = shared.json;
    const frames = (shared.frames ??= shared.slots ? new Map() : new NextFrames(json(null)));
    for (const { live, viewerId } of targets) {
      try {
        let own: NextFrames | undefined;
        if (frames instanceof NextFrames) own = frames;
        else {
          const answers = shared.slots!.answersFor(viewerId);
          if (!(own = frames.get(answers))) frames.set(answers, (own = new NextFrames(json(viewerId))));
        }
        live.send(own.for(live.id, live.head));
      } catch (error) {
        this.failed(error);
      }
    }
    this.delivered(event, targets.length);
  }

  private failed(error: unknown): void {
    const { log } = (this.args.contextValue as Context).services;
    log.error({ err: (error as Error)?.message ?? String(error), field: this.field }, 'live event not delivered');
  }
}

/**
 * One subscription over WebSocket, as graphql-ws holds it: an iterator that yields nothing (its
 * group writes the frames) and ends when the stream does; return() and throw() end the stream,
 * which releases its channels. One object per subscription, its methods on the class.
 */
class SocketSubscriber implements AsyncIterableIterator<never>, Target {
  private readonly ended: Promise<void>;

  constructor(
    group: SocketGroup,
    private readonly source: ChannelStream<unknown>,
    readonly live: LiveOperation,
    readonly viewerId: string | null,
  ) {
    this.ended = source.listen((event) => group.deliver(event, this)).then(() => group.leave());
  }

  next(): Promise<IteratorResult<never>> {
    return this.ended.then(() => DONE);
  }

  async return(): Promise<IteratorResult<never>> {
    await this.source.return?.(undefined);
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function documentKey(document: DocumentNode): number {
  let key = documentKeys.get(document);
  if (key === undefined) documentKeys.set(document, (key = nextDocumentKey++));
  return key;
}

/** The root field an operation selects (each subscription selects one). */
export function fieldOf(document: DocumentNode, operationName: string | null | undefined): string {
  const selection = getOperationAST(document, operationName)?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : 'unknown';
}

/**
 * How much of what the operation selects depends on the viewer (see `viewerDependent`): for the
 * whole document, and, when its root field is a union (roomEvents, myEvents), for each of its types,
 * since an event of one type is executed with only that type's selections.
 */
interface Dependences {
  all: Dependence;
  /** By the name of each type of the root field's union, when `all` is 'all'. */
  byType?: Map<string, Dependence>;
  /** The union, whose resolveType names an event's type. */
  union?: GraphQLUnionType;
}

function dependsOnViewer(schema: GraphQLSchema, document: DocumentNode, operationName: string): Dependences {
  let byOperation = viewerDependence.get(document);
  if (!byOperation) viewerDependence.set(document, (byOperation = new Map()));
  let depends = byOperation.get(operationName);
  if (depends === undefined) {
    const all = selectsViewerDependent(schema, document, operationName || undefined);
    depends = { all };
    const union = all === 'all' ? rootUnion(schema, document, operationName || undefined) : undefined;
    if (union) {
      depends.union = union;
      depends.byType = new Map(
        union
          .getTypes()
          .map((type) => [type.name, selectsViewerDependent(schema, document, operationName || undefined, type)]),
      );
    }
    byOperation.set(operationName, depends);
  }
  return depends;
}

/** The union the operation's root field returns, if it does. */
function rootUnion(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string,
): GraphQLUnionType | undefined {
  const selection = getOperationAST(document, operationName)?.selectionSet.selections[0];
  if (selection?.kind !== Kind.FIELD) return undefined;
  const field = schema.getSubscriptionType()?.getFields()[selection.name.value];
  const type = field && getNamedType(field.type);
  return type instanceof GraphQLUnionType ? type : undefined;
}

/**
 * The dependence of the operation's selections; with `only`, of those that apply to a result of
 * that type of the root field's union (the fragments on its other types are left out).
 */
function selectsViewerDependent(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string,
  only?: GraphQLObjectType,
): Dependence {
  const operation = getOperationAST(document, operationName);
  const root = schema.getSubscriptionType();
  if (!operation || !root) return 'all';
  let slots = false;
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  /** Whether a fragment on `condition` applies to a result of type `only` (always, without one). */
  const applies = (condition: string | undefined, result: GraphQLObjectType | undefined) => {
    if (!result || !condition || condition === result.name) return true;
    const type = schema.getType(condition);
    return !!type && isAbstractType(type) && schema.isSubType(type, result);
  };
  // Walks the selections with the type they apply to; an unknown type or field counts as dependent.
  // `result`: the type of the root field's value, while walking its own selections.
  const walk = (typeName: string, set: SelectionSetNode, result?: GraphQLObjectType): boolean =>
    set.selections.some((selection) => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) return true;
        if (!applies(fragment.typeCondition.name.value, result)) return false;
        // A fragment seen under another result type may apply differently: only skip it within one.
        const key = `${result?.name ?? ''} ${fragment.name.value}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return walk(fragment.typeCondition.name.value, fragment.selectionSet, result);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!applies(selection.typeCondition?.name.value, result)) return false;
        return walk(selection.typeCondition?.name.value ?? typeName, selection.selectionSet, result);
      }
      if (selection.name.value.startsWith('__')) return false;
      const type = schema.getType(typeName);
      const types = type && 'getTypes' in type ? type.getTypes() : type ? [type] : [];
      if (types.length === 0) return true;
      return types.some((member) => {
        if (result && member !== result && 'getTypes' in type!) return false;
        const definition = 'getFields' in member ? member.getFields()[selection.name.value] : undefined;
        if (!definition) return false; // not a field of this member of a union
        const dependent = definition.extensions?.viewerDependent;
        if (dependent === 'slot') slots = true;
        else if (dependent) return true;
        if (!selection.selectionSet) return false;
        const named = getNamedType(definition.type);
        // Below the root field, every type of a union counts.
        return (
          isCompositeType(named) && walk(named.name, selection.selectionSet, typeName === root.name ? only : undefined)
        );
      });
    });
  if (walk(root.name, operation.selectionSet)) return 'all';
  return slots ? 'slots' : 'none';
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** `source` with each value mapped; return() and throw() end `source` (it releases its channels). */
function mapStream<T, R>(source: AsyncIterableIterator<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const close = async () => {
    await source.return?.(undefined);
    return DONE;
  };
  return {
    async next() {
      const item = await source.next();
      if (item.done) return DONE;
      try {
        return { done: false, value: await map(item.value) };
      } catch (error) {
        await close();
        throw error;
      }
    },
    return: close,
    async throw(error) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
