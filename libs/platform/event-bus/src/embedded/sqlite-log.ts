import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { PlatformError } from '@corebank/platform-errors';

import type { MessageHeaders } from '../envelope/envelope';
import type { CommitPosition, InboundMessage, OutboundMessage } from '../delivery/messages';
import { partitionForKey } from './stable-hash';

/** Bumped when the tables change; a newer file is refused rather than misread. */
const SCHEMA_VERSION = 1;

/** Kafka's topic name rule, so a topic name is valid on both engines. */
const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS topics (
  topic TEXT NOT NULL PRIMARY KEY,
  partition_count INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS partition_heads (
  topic TEXT NOT NULL,
  partition_number INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition_number)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  topic TEXT NOT NULL,
  partition_number INTEGER NOT NULL,
  message_offset INTEGER NOT NULL,
  message_key TEXT,
  message_value BLOB NOT NULL,
  headers_json TEXT NOT NULL,
  appended_at_ms INTEGER NOT NULL,
  PRIMARY KEY (topic, partition_number, message_offset)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition_number INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  committed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition_number)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  member_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat_at_ms INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic)
) STRICT, WITHOUT ROWID;
`;

interface MessageRow {
  readonly message_offset: number;
  readonly message_key: string | null;
  readonly message_value: Buffer;
  readonly headers_json: string;
}

interface RetentionRow {
  readonly message_offset: number;
  readonly appended_at_ms: number;
}

interface MemberRow {
  readonly member_id: string;
  readonly pid: number;
  readonly heartbeat_at_ms: number;
}

export interface RetentionPolicy {
  readonly nowMs: number;
  readonly consumedMs: number;
  readonly maxAgeMs: number;
  readonly deleteBatchMax: number;
}

function unavailable(message: string, cause: unknown, params = {}): PlatformError {
  return new PlatformError('unavailable.bus', message, { retryable: true, params, cause });
}

function parseHeaders(json: string): MessageHeaders {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {};
    }
    return Object.fromEntries(
      Object.entries(parsed).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  } catch {
    // Headers are advisory; the body decides whether the message is a valid event.
    return {};
  }
}

/** Member ids claimed by this process and not yet released, across every open log. */
const membersOfThisProcess = new Set<string>();

/** Whether a process with this id exists on this host (the log file is local, so is its user). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every statement is prepared once per connection. */
function prepareStatements(database: Database.Database) {
  return {
    topic: database.prepare<[string], { partition_count: number }>(
      'SELECT partition_count FROM topics WHERE topic = ?',
    ),
    insertTopic: database.prepare<[string, number, number]>(
      'INSERT OR IGNORE INTO topics (topic, partition_count, created_at_ms) VALUES (?, ?, ?)',
    ),
    insertHead: database.prepare<[string, number]>(
      'INSERT OR IGNORE INTO partition_heads (topic, partition_number, next_offset) VALUES (?, ?, 0)',
    ),
    head: database.prepare<[string, number], { next_offset: number }>(
      'SELECT next_offset FROM partition_heads WHERE topic = ? AND partition_number = ?',
    ),
    setHead: database.prepare<[number, string, number]>(
      'UPDATE partition_heads SET next_offset = ? WHERE topic = ? AND partition_number = ?',
    ),
    insertMessage: database.prepare<
      [string, number, number, string | null, Buffer, string, number]
    >(
      `INSERT INTO messages (topic, partition_number, message_offset, message_key, message_value,
         headers_json, appended_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    fetch: database.prepare<[string, number, number, number], MessageRow>(
      `SELECT message_offset, message_key, message_value, headers_json FROM messages
       WHERE topic = ? AND partition_number = ? AND message_offset >= ?
       ORDER BY message_offset LIMIT ?`,
    ),
    committed: database.prepare<
      [string, string],
      { partition_number: number; next_offset: number }
    >('SELECT partition_number, next_offset FROM group_offsets WHERE group_id = ? AND topic = ?'),
    commit: database.prepare<[string, string, number, number, number]>(
      `INSERT INTO group_offsets (group_id, topic, partition_number, next_offset, committed_at_ms)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition_number)
       DO UPDATE SET next_offset = excluded.next_offset, committed_at_ms = excluded.committed_at_ms`,
    ),
    member: database.prepare<[string, string], MemberRow>(
      'SELECT member_id, pid, heartbeat_at_ms FROM group_members WHERE group_id = ? AND topic = ?',
    ),
    upsertMember: database.prepare<[string, string, string, number, number]>(
      `INSERT INTO group_members (group_id, topic, member_id, pid, heartbeat_at_ms)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic) DO UPDATE SET member_id = excluded.member_id,
         pid = excluded.pid, heartbeat_at_ms = excluded.heartbeat_at_ms`,
    ),
    heartbeat: database.prepare<[number, string, string, string]>(
      'UPDATE group_members SET heartbeat_at_ms = ? WHERE group_id = ? AND topic = ? AND member_id = ?',
    ),
    releaseMember: database.prepare<[string, string, string]>(
      'DELETE FROM group_members WHERE group_id = ? AND topic = ? AND member_id = ?',
    ),
    topics: database.prepare<[], { topic: string; partition_count: number }>(
      'SELECT topic, partition_count FROM topics',
    ),
    minimumCommitted: database.prepare<
      [string, number],
      { next_offset: number | null; group_count: number }
    >(
      `SELECT MIN(next_offset) AS next_offset, COUNT(*) AS group_count FROM group_offsets
       WHERE topic = ? AND partition_number = ?`,
    ),
    retentionCandidates: database.prepare<[string, number, number], RetentionRow>(
      `SELECT message_offset, appended_at_ms FROM messages
       WHERE topic = ? AND partition_number = ? ORDER BY message_offset LIMIT ?`,
    ),
    deleteBelow: database.prepare<[string, number, number]>(
      'DELETE FROM messages WHERE topic = ? AND partition_number = ? AND message_offset < ?',
    ),
    dataVersion: database.prepare<[], { data_version: number }>('PRAGMA data_version'),
    ping: database.prepare('SELECT 1'),
  };
}

/**
 * The durable log in one SQLite file (WAL, synchronous=FULL): topics split into partitions,
 * messages with per-partition offsets, committed offsets per (group, topic, partition), and one
 * member row per (group, topic). Every method is synchronous (better-sqlite3); callers wrap them.
 *
 * Several processes may open the same file: SQLite serialises writers (busy timeout), and
 * `dataVersion()` tells a reader that another connection committed something.
 */
export class SqliteLog {
  private readonly database: Database.Database;
  private readonly topicPartitions = new Map<string, number>();
  private readonly statements: ReturnType<typeof prepareStatements>;

  /** Throws PlatformError `unavailable.bus` when the file cannot be opened or migrated. */
  constructor(
    readonly path: string,
    private readonly partitionsDefault: number,
    busyTimeoutMs: number,
  ) {
    try {
      if (path !== ':memory:') {
        mkdirSync(dirname(path), { recursive: true });
      }
      this.database = new Database(path, { timeout: busyTimeoutMs });
      this.database.pragma('journal_mode = WAL');
      // FULL: a publish that resolved survives a power cut, not only a process crash.
      this.database.pragma('synchronous = FULL');
      const version = this.database.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`log schema ${version} is newer than this code (${SCHEMA_VERSION})`);
      }
      this.database.exec(SCHEMA_SQL);
      this.database.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (cause) {
      throw unavailable('cannot open the embedded event log', cause, { path });
    }
    this.statements = prepareStatements(this.database);
  }

  /** Validates a topic name: PlatformError `invalid.bus_topic` (not retryable). */
  static assertTopicName(topic: string): void {
    if (!TOPIC_NAME_PATTERN.test(topic)) {
      throw new PlatformError('invalid.bus_topic', 'topic names use [a-zA-Z0-9._-], 1..249 chars', {
        retryable: false,
        params: { topic: topic.slice(0, 260) },
      });
    }
  }

  /** Creates the topic if missing and returns its partition count (fixed at creation). */
  ensureTopic(topic: string, nowMs: number): number {
    const known = this.topicPartitions.get(topic);
    if (known !== undefined) {
      return known;
    }
    SqliteLog.assertTopicName(topic);
    const create = this.database.transaction(() => {
      this.statements.insertTopic.run(topic, this.partitionsDefault, nowMs);
      const row = this.statements.topic.get(topic);
      const partitions = row?.partition_count ?? this.partitionsDefault;
      for (let partition = 0; partition < partitions; partition += 1) {
        this.statements.insertHead.run(topic, partition);
      }
      return partitions;
    });
    const partitions = this.guard('create topic', () => create.immediate(), { topic });
    this.topicPartitions.set(topic, partitions);
    return partitions;
  }

  /**
   * Appends messages in one transaction (all or nothing), in order; messages of one key go to
   * one partition. Throws PlatformError `unavailable.bus` when the transaction failed.
   */
  append(topic: string, messages: readonly OutboundMessage[], nowMs: number): void {
    const partitions = this.ensureTopic(topic, nowMs);
    const write = this.database.transaction(() => {
      const heads = new Map<number, number>();
      let roundRobin = 0;
      for (const message of messages) {
        // Keyless messages (foreign producers only) spread over partitions; no order promised.
        const partition =
          message.key === null
            ? roundRobin++ % partitions
            : partitionForKey(message.key, partitions);
        let offset = heads.get(partition);
        if (offset === undefined) {
          offset = this.statements.head.get(topic, partition)?.next_offset ?? 0;
        }
        this.statements.insertMessage.run(
          topic,
          partition,
          offset,
          message.key,
          message.value,
          JSON.stringify(message.headers),
          nowMs,
        );
        heads.set(partition, offset + 1);
      }
      for (const [partition, nextOffset] of heads) {
        this.statements.setHead.run(nextOffset, topic, partition);
      }
    });
    this.guard('append', () => write.immediate(), { topic });
  }

  fetch(topic: string, partition: number, fromOffset: bigint, limit: number): InboundMessage[] {
    const rows = this.guard(
      'fetch',
      () => this.statements.fetch.all(topic, partition, Number(fromOffset), limit),
      { topic },
    );
    return rows.map((row) => ({
      topic,
      partition,
      offset: BigInt(row.message_offset),
      key: row.message_key,
      value: row.message_value,
      headers: parseHeaders(row.headers_json),
    }));
  }

  /** Committed next offsets of a group, per partition; partitions never committed are absent. */
  committedOffsets(groupId: string, topic: string): Map<number, bigint> {
    const rows = this.guard('read offsets', () => this.statements.committed.all(groupId, topic), {
      topic,
    });
    return new Map(rows.map((row) => [row.partition_number, BigInt(row.next_offset)]));
  }

  /**
   * Commits positions only while `memberId` still holds the group, so a member that was
   * replaced (it stopped heartbeating) cannot move its successor's offsets.
   *
   * Throws PlatformError `conflict.bus_member_replaced` (not retryable) or `unavailable.bus`.
   */
  commit(
    groupId: string,
    memberId: string,
    positions: readonly CommitPosition[],
    nowMs: number,
  ): void {
    const write = this.database.transaction(() => {
      for (const position of positions) {
        if (this.statements.member.get(groupId, position.topic)?.member_id !== memberId) {
          throw new PlatformError('conflict.bus_member_replaced', 'group member was replaced', {
            retryable: false,
            params: { groupId, topic: position.topic },
          });
        }
        this.statements.commit.run(
          groupId,
          position.topic,
          position.partition,
          Number(position.nextOffset),
          nowMs,
        );
      }
    });
    this.guard('commit', () => write.immediate(), { groupId });
  }

  /**
   * Makes this process the group's only member for the topic. The current member is replaced
   * only when its process is gone or it missed heartbeats for `sessionTimeoutMs`.
   *
   * Returns the new member id. Throws PlatformError `conflict.bus_group_member_active` (not
   * retryable) when a live member holds the group.
   */
  claimMembership(groupId: string, topic: string, nowMs: number, sessionTimeoutMs: number): string {
    const memberId = randomUUID();
    const claim = this.database.transaction(() => {
      const current = this.statements.member.get(groupId, topic);
      // A row with our own pid but a member id this process never issued was left by an
      // earlier process that had the same pid (a container's pid 1 restarting): it is stale.
      const holderGone =
        current !== undefined &&
        (current.pid === process.pid
          ? !membersOfThisProcess.has(current.member_id)
          : !processIsAlive(current.pid));
      const replaceable =
        current === undefined || holderGone || nowMs - current.heartbeat_at_ms > sessionTimeoutMs;
      if (!replaceable) {
        throw new PlatformError(
          'conflict.bus_group_member_active',
          'the embedded bus allows one member per group and topic',
          { retryable: false, params: { groupId, topic, memberPid: current.pid } },
        );
      }
      this.statements.upsertMember.run(groupId, topic, memberId, process.pid, nowMs);
    });
    this.guard('claim membership', () => claim.immediate(), { groupId, topic });
    membersOfThisProcess.add(memberId);
    return memberId;
  }

  /** Returns false when the member was replaced (the caller must stop consuming). */
  heartbeat(groupId: string, topic: string, memberId: string, nowMs: number): boolean {
    const result = this.guard(
      'heartbeat',
      () => this.statements.heartbeat.run(nowMs, groupId, topic, memberId),
      { groupId },
    );
    return result.changes === 1;
  }

  releaseMembership(groupId: string, topic: string, memberId: string): void {
    membersOfThisProcess.delete(memberId);
    this.guard(
      'release membership',
      () => this.statements.releaseMember.run(groupId, topic, memberId),
      {
        groupId,
      },
    );
  }

  /**
   * Deletes, per partition and at most `deleteBatchMax` messages per call, the oldest messages
   * that either every group has committed past and are older than `consumedMs`, or are older
   * than `maxAgeMs`. Only a prefix of the partition is deleted, so offsets stay contiguous.
   * Returns the number of messages deleted.
   */
  applyRetention(policy: RetentionPolicy): number {
    let deleted = 0;
    const consumedCutoffMs = policy.nowMs - policy.consumedMs;
    const maxAgeCutoffMs = policy.nowMs - policy.maxAgeMs;
    for (const { topic, partition_count: partitions } of this.statements.topics.all()) {
      for (let partition = 0; partition < partitions; partition += 1) {
        const committed = this.statements.minimumCommitted.get(topic, partition);
        // A topic nobody consumes keeps its messages until the hard age bound.
        const consumedBelow =
          committed === undefined || committed.group_count === 0 || committed.next_offset === null
            ? -1
            : committed.next_offset;
        const candidates = this.statements.retentionCandidates.all(
          topic,
          partition,
          policy.deleteBatchMax,
        );
        let deleteBelow: number | undefined;
        for (const row of candidates) {
          const consumedAndOld =
            row.message_offset < consumedBelow && row.appended_at_ms < consumedCutoffMs;
          if (!consumedAndOld && row.appended_at_ms >= maxAgeCutoffMs) {
            break;
          }
          deleteBelow = row.message_offset + 1;
        }
        if (deleteBelow !== undefined) {
          deleted += this.statements.deleteBelow.run(topic, partition, deleteBelow).changes;
        }
      }
    }
    return deleted;
  }

  /** Changes whenever another connection (process) commits to the file. */
  dataVersion(): number {
    return this.guard(
      'read data version',
      () => this.statements.dataVersion.get()?.data_version ?? 0,
    );
  }

  /** Throws PlatformError `unavailable.bus` when the file cannot be read. */
  ping(): void {
    this.guard('ping', () => this.statements.ping.get());
  }

  close(): void {
    if (this.database.open) {
      this.database.close();
    }
  }

  private guard<T>(operation: string, run: () => T, params: Record<string, string> = {}): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof PlatformError) {
        throw error;
      }
      throw unavailable(`embedded event log: ${operation} failed`, error, params);
    }
  }
}
