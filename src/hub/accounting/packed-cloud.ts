// Cloud entries packed into typed arrays and one string, cheap to pass between threads.
import type { CloudRecord } from '../../formats/apel/index.js';
import type { CloudEntry, MessageRef, PackedCloud } from './ingest-batch.js';
import { CLOUD_ROW } from './record-rows.js';

const TAG_NULL = 0;
const TAG_NUMBER = 1;
const TAG_STRING = 2;

/** Characters gathered before they are joined into one piece: over V8's large-object size, so a piece is never copied by the young-generation collector. */
const PIECE_CHARS = 256 * 1024;

/**
 * The strings of a {@link PackedCloud} as they are added: their end offsets, and their text joined
 * in pieces of about {@link PIECE_CHARS} as it grows. Keeping every string until the end kept every
 * message text they were cut from alive, and the young-generation collector copied all of it again
 * and again (measured: garbage collection took a fifth of the prepare worker's time).
 */
export class StringTableBuilder {
  private ends = new Uint32Array(4096);
  private count = 0;
  private chars = 0;
  private readonly pending: string[] = [];
  private pendingChars = 0;
  private readonly pieces: string[] = [];

  /** Adds `s`; returns its index. */
  add(s: string): number {
    if (this.count === this.ends.length) {
      const ends = new Uint32Array(this.count * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.chars += s.length;
    this.ends[this.count] = this.chars;
    this.pending.push(s);
    this.pendingChars += s.length;
    if (this.pendingChars >= PIECE_CHARS) this.flush();
    return this.count++;
  }

  /** The text and the end offset of each string. */
  finish(): { readonly text: string; readonly stringEnds: Uint32Array } {
    this.flush();
    return { text: this.pieces.join(''), stringEnds: this.ends.slice(0, this.count) };
  }

  private flush(): void {
    this.pieces.push(this.pending.join(''));
    this.pending.length = 0;
    this.pendingChars = 0;
  }
}

/** Packs cloud entries (rows with their message and record index) into a {@link PackedCloud}. */
export function packCloudEntries(entries: readonly CloudEntry[]): PackedCloud {
  const packer = new CloudPacker(Math.max(1, entries.length));
  for (const e of entries) packer.addEntry(e);
  return packer.finish();
}

/**
 * Packs cloud records straight into a {@link PackedCloud}, the entry `cloudEntry` would build (same
 * slots, same strings) without building it: row arrays cost a third of packing them (measured), and
 * their garbage. Arrays grow by doubling; {@link finish} hands out views of the filled part.
 */
export class CloudPacker {
  private count = 0;
  private capacity: number;
  private tags: Uint8Array;
  private values: Float64Array;
  private messageIndexes: Uint32Array;
  private recordIndexes: Uint32Array;
  private vmIds: Float64Array;
  private readonly strings = new StringTableBuilder();
  // consecutive records mostly share a column's string (site, group, FQAN): reuse the last one's
  private readonly lastStrings = new Array<string | undefined>(CLOUD_ROW.columns);
  private readonly lastIndexes = new Float64Array(CLOUD_ROW.columns);
  private readonly messages: MessageRef[] = [];
  private lastMessage: MessageRef | undefined;

  /** `knownVmIds`: VMUUID → number of the VMs numbered already (see {@link PackedCloud.vmIds}). */
  constructor(
    capacity = 8192,
    private readonly knownVmIds: ReadonlyMap<string, number> = new Map(),
  ) {
    this.capacity = capacity;
    this.vmIds = new Float64Array(capacity);
    this.tags = new Uint8Array(capacity * CLOUD_ROW.columns);
    this.values = new Float64Array(capacity * CLOUD_ROW.columns);
    this.messageIndexes = new Uint32Array(capacity);
    this.recordIndexes = new Uint32Array(capacity);
  }

  /** Entries packed so far. */
  get size(): number {
    return this.count;
  }

  /** Packs the entry `cloudEntry(r, measurementTime, year, month, groupKey, message, recordIndex, now)`. */
  add(
    r: CloudRecord,
    measurementTime: number,
    year: number,
    month: number,
    groupKey: string,
    message: MessageRef,
    recordIndex: number,
    now: number,
  ): void {
    const b = this.nextBase();
    this.put(b, 0, r.vmUuid);
    this.put(b, 1, year);
    this.put(b, 2, month);
    this.put(b, 3, measurementTime);
    this.put(b, 4, groupKey);
    this.put(b, 5, r.siteName);
    this.put(b, 6, r.machineName);
    this.put(b, 7, r.localUserId);
    this.put(b, 8, r.localGroupId);
    this.put(b, 9, r.fqan);
    this.put(b, 10, r.startTime);
    this.put(b, 11, r.endTime);
    this.put(b, 12, r.suspendDuration);
    this.put(b, 13, r.wallDuration);
    this.put(b, 14, r.cpuDuration);
    this.put(b, 15, r.networkType);
    this.put(b, 16, r.networkInbound);
    this.put(b, 17, r.networkOutbound);
    this.put(b, 18, r.publicIpCount);
    this.put(b, 19, r.memory);
    this.put(b, 20, r.disk);
    this.put(b, 21, r.storageRecordId);
    this.put(b, 22, r.recordCreateTime);
    this.put(b, 23, message.offset);
    this.put(b, 24, now);
    this.putOrigin(r.vmUuid, message, recordIndex);
  }

  /** Packs an entry as `cloudEntry` built it: the row's slots, then its message and record index. */
  addEntry(e: CloudEntry): void {
    const b = this.nextBase();
    for (let c = 0; c < CLOUD_ROW.columns; c++) this.put(b, c, e[c]);
    const message = e[CLOUD_ROW.message] as MessageRef;
    this.putOrigin(e[CLOUD_ROW.vmId] as string, message, e[CLOUD_ROW.recordIndex] as number);
  }

  /** The entries packed. */
  finish(): PackedCloud {
    const n = this.count;
    const width = CLOUD_ROW.columns;
    return {
      count: n,
      tags: this.tags.subarray(0, n * width),
      values: this.values.subarray(0, n * width),
      ...this.strings.finish(),
      messageIndexes: this.messageIndexes.subarray(0, n),
      recordIndexes: this.recordIndexes.subarray(0, n),
      vmIds: this.vmIds.subarray(0, n),
      messages: this.messages,
    };
  }

  /** Starts a new entry; returns the index of its first slot. */
  private nextBase(): number {
    if (this.count === this.capacity) this.grow();
    return this.count * CLOUD_ROW.columns;
  }

  /** Ends the entry started by {@link nextBase}: its message, record index and known VM number. */
  private putOrigin(vmUuid: string, message: MessageRef, recordIndex: number): void {
    const i = this.count++;
    if (message !== this.lastMessage) {
      this.messages.push(message);
      this.lastMessage = message;
    }
    this.messageIndexes[i] = this.messages.length - 1;
    this.recordIndexes[i] = recordIndex;
    this.vmIds[i] = this.knownVmIds.get(vmUuid) ?? 0;
  }

  private put(base: number, c: number, v: unknown): void {
    if (typeof v === 'number') {
      this.tags[base + c] = TAG_NUMBER;
      this.values[base + c] = v;
    } else if (typeof v === 'string') {
      if (v !== this.lastStrings[c]) {
        this.lastStrings[c] = v;
        this.lastIndexes[c] = this.strings.add(v);
      }
      this.tags[base + c] = TAG_STRING;
      this.values[base + c] = this.lastIndexes[c]!;
    } else if (v === null || v === undefined) {
      this.tags[base + c] = TAG_NULL;
    } else {
      throw new TypeError(`cloud entry slot ${c} holds a ${typeof v}, not a number, string or null`);
    }
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const width = CLOUD_ROW.columns;
    const tags = new Uint8Array(capacity * width);
    tags.set(this.tags);
    const values = new Float64Array(capacity * width);
    values.set(this.values);
    const messageIndexes = new Uint32Array(capacity);
    messageIndexes.set(this.messageIndexes);
    const recordIndexes = new Uint32Array(capacity);
    recordIndexes.set(this.recordIndexes);
    const vmIds = new Float64Array(capacity);
    vmIds.set(this.vmIds);
    this.vmIds = vmIds;
    this.capacity = capacity;
    this.tags = tags;
    this.values = values;
    this.messageIndexes = messageIndexes;
    this.recordIndexes = recordIndexes;
  }
}

/** The buffers of `packed` to list as transferable when posting it. */
export function packedCloudTransfers(packed: PackedCloud): ArrayBuffer[] {
  return [
    packed.tags.buffer,
    packed.values.buffer,
    packed.stringEnds.buffer,
    packed.messageIndexes.buffer,
    packed.recordIndexes.buffer,
    packed.vmIds.buffer,
  ] as ArrayBuffer[];
}

/** The strings of `packed`, by index. */
export function unpackStrings(packed: PackedCloud): string[] {
  const strings = new Array<string>(packed.stringEnds.length);
  let start = 0;
  for (let i = 0; i < strings.length; i++) {
    const end = packed.stringEnds[i]!;
    strings[i] = packed.text.slice(start, end);
    start = end;
  }
  return strings;
}

/**
 * Fills `row` (length `CLOUD_ROW.columns`, reused across entries to spare allocations) with the
 * columns of entry `i`; string slots get their string from `strings` ({@link unpackStrings}).
 */
export function readPackedRow(
  packed: PackedCloud,
  strings: readonly string[],
  i: number,
  row: unknown[],
): void {
  const width = CLOUD_ROW.columns;
  const base = i * width;
  const { tags, values } = packed;
  for (let c = 0; c < width; c++) {
    const tag = tags[base + c];
    row[c] = tag === TAG_NUMBER ? values[base + c] : tag === TAG_STRING ? strings[values[base + c]!] : null;
  }
}

/** The index of the string in slot `column` of entry `i` (the slot must hold a string). */
export function packedStringIndex(packed: PackedCloud, i: number, column: number): number {
  return packed.values[i * CLOUD_ROW.columns + column]!;
}
