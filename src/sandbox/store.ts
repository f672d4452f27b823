// In-memory records. Every mutation bumps one version number; serialised JSON and derived views
// (sorted lists, per-person counts) are cached against it, which is what lets the sandbox serve
// 500-record pages far faster than a client can parse them while staying exact after a change.
import type {
  Activity,
  Company,
  Deal,
  Lead,
  LeadLabel,
  Note,
  Organization,
  Person,
  Pipeline,
  Stage,
  User,
} from './model.js';

export class Collection<K extends number | string, T extends { id: K }> {
  private readonly byId = new Map<K, T>();
  private ordered: T[] | null = null;
  private next = 1;

  constructor(
    readonly name: string,
    private readonly store: Store,
    /** Numeric ids list in id order; UUID-keyed leads list in insertion order. */
    private readonly numeric: boolean,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: K): T | undefined {
    return this.byId.get(id);
  }

  /** Every record (deleted ones too), in id order. Do not mutate the array. */
  all(): readonly T[] {
    if (!this.ordered) {
      const list = [...this.byId.values()];
      if (this.numeric) list.sort((a, b) => (a.id as number) - (b.id as number));
      this.ordered = list;
    }
    return this.ordered;
  }

  /** The id the next created record gets: one past the largest ever seen, like an auto-increment. */
  allocateId(): number {
    return this.next++;
  }

  insert(record: T): T {
    if (this.byId.has(record.id)) throw new Error(`${this.name}: duplicate id ${String(record.id)}`);
    this.byId.set(record.id, record);
    if (this.numeric && (record.id as number) >= this.next) this.next = (record.id as number) + 1;
    this.ordered = null;
    this.store.bump();
    return record;
  }

  /** Call after changing a record in place. */
  changed(): void {
    this.store.bump();
  }

  remove(id: K): boolean {
    const had = this.byId.delete(id);
    if (had) {
      this.ordered = null;
      this.store.bump();
    }
    return had;
  }
}

interface JsonCacheEntry {
  stamp: number;
  v1?: Buffer;
  v2?: Buffer;
}

export class Store {
  /** Bumped by every mutation of any record. */
  version = 0;
  company: Company = { id: 0, name: '', domain: '', country: '' };
  readonly users = new Collection<number, User>('users', this, true);
  readonly organizations = new Collection<number, Organization>('organizations', this, true);
  readonly persons = new Collection<number, Person>('persons', this, true);
  readonly deals = new Collection<number, Deal>('deals', this, true);
  readonly leads = new Collection<string, Lead>('leads', this, false);
  readonly leadLabels = new Collection<string, LeadLabel>('leadLabels', this, false);
  readonly activities = new Collection<number, Activity>('activities', this, true);
  readonly notes = new Collection<number, Note>('notes', this, true);
  readonly pipelines = new Collection<number, Pipeline>('pipelines', this, true);
  readonly stages = new Collection<number, Stage>('stages', this, true);
  /** The user an API token belongs to (is_you, users/me, default activity filter). */
  tokenUserId = 1;

  private readonly json = new WeakMap<object, JsonCacheEntry>();
  private views = new Map<string, unknown>();
  private viewsVersion = -1;

  bump(): void {
    this.version++;
  }

  /** A derived value, computed at most once per store version. */
  view<T>(key: string, build: () => T): T {
    if (this.viewsVersion !== this.version) {
      this.views = new Map();
      this.viewsVersion = this.version;
    }
    if (this.views.has(key)) return this.views.get(key) as T;
    const value = build();
    // A few list shapes per collection are enough; an unbounded map would grow with every filter.
    if (this.views.size > 64) this.views.clear();
    this.views.set(key, value);
    return value;
  }

  /**
   * A record's JSON in one API version, UTF-8 encoded once: a page is then a memory copy of its
   * records. Records embed related records (owner, organization, counts), so any mutation anywhere
   * invalidates every entry; rebuilding is lazy, per record served.
   */
  cachedJson(record: object, version: 'v1' | 'v2', build: () => unknown): Buffer {
    let entry = this.json.get(record);
    if (!entry || entry.stamp !== this.version) {
      entry = { stamp: this.version };
      this.json.set(record, entry);
    }
    let json = entry[version];
    if (json === undefined) {
      json = Buffer.from(JSON.stringify(build()), 'utf8');
      entry[version] = json;
    }
    return json;
  }
}
