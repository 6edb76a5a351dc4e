/**
 * A map from hashed-term buckets to small consecutive slots (0, 1, 2, … in order of first
 * appearance): open addressing over a table sized to the few thousand buckets one chat's
 * training or scoring touches. A 2^18 array indexed by bucket would do the same, but every
 * look-up would miss the cache; this table stays in it. One instance is reused run after run
 * (clear() is a fill of the table, not an allocation).
 */
export class BucketSlots {
  private keys = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 12);
  private shift = 32 - 12;
  /** How many buckets have a slot. */
  size = 0;

  /** Forgets every bucket, making room for at least `expected` of them. */
  clear(expected: number): void {
    const bits = Math.max(12, Math.ceil(Math.log2(expected * 2)));
    if (this.keys.length !== 1 << bits) {
      this.keys = new Int32Array(1 << bits);
      this.slots = new Int32Array(1 << bits);
      this.shift = 32 - bits;
    }
    this.keys.fill(-1);
    this.size = 0;
  }

  /** The bucket's slot, given the next free one when it has none. */
  add(bucket: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    let h = Math.imul(bucket, 0x9e3779b1) >>> this.shift;
    let key = keys[h] as number;
    while (key !== bucket) {
      if (key === -1) {
        keys[h] = bucket;
        this.slots[h] = this.size;
        return this.size++;
      }
      h = (h + 1) & mask;
      key = keys[h] as number;
    }
    return this.slots[h] as number;
  }

  /** The bucket's slot, or -1. */
  get(bucket: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    let h = Math.imul(bucket, 0x9e3779b1) >>> this.shift;
    let key = keys[h] as number;
    while (key !== bucket) {
      if (key === -1) return -1;
      h = (h + 1) & mask;
      key = keys[h] as number;
    }
    return this.slots[h] as number;
  }
}
