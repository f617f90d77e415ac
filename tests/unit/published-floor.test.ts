import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PublishedFloor } from '../../write-service/outbox/published-floor.js';

/** A scan that saw outbox ids up to `top`, with its snapshot's xmin and its own transaction id (the ceiling). */
const scan = (top: number, xmin: number, ceiling: number) => ({ top, xmin: BigInt(xmin), ceiling: BigInt(ceiling) });

describe('the outbox relay floor', () => {
  it("stays put until every transaction running at a scan has finished, then moves to that scan's top", () => {
    const floor = new PublishedFloor();
    // Scan 1 sees ids up to 10; transaction 100 (which may hold a lower id) is still running.
    assert.equal(floor.observe(scan(10, 100, 101)), undefined);
    floor.advance(0, undefined, [9, 10], 2, 500);
    assert.equal(floor.value, 0, 'not past rows of a transaction still running');
    // Scan 2: transaction 100 still runs (xmin 100 < scan 1's xmax 101).
    assert.equal(floor.observe(scan(12, 100, 103)), undefined);
    // Scan 3: everything below 103 has finished: scans 1 and 2 settle; it returned the late row 5.
    assert.equal(floor.observe(scan(14, 103, 104)), 12);
    floor.advance(0, 12, [5, 13, 14], 3, 500);
    assert.equal(floor.value, 12);
  });

  it('does not pass the first row a scan left unpublished', () => {
    const floor = new PublishedFloor();
    floor.observe(scan(10, 1, 2));
    const settled = floor.observe(scan(20, 2, 3));
    assert.equal(settled, 10);
    floor.advance(0, settled, [4, 7, 15], 1, 500); // 7 failed to publish
    assert.equal(floor.value, 6);
    floor.advance(6, floor.observe(scan(20, 3, 4)), [7, 15], 0, 500); // nothing published this time
    assert.equal(floor.value, 6);
  });

  it('does not pass the last row of a scan cut short by its limit', () => {
    const floor = new PublishedFloor();
    floor.observe(scan(1000, 1, 2));
    floor.advance(0, floor.observe(scan(1000, 2, 3)), [1, 2, 3], 3, 3);
    assert.equal(floor.value, 3);
  });

  it('never goes down', () => {
    const floor = new PublishedFloor();
    floor.observe(scan(50, 1, 2));
    floor.advance(0, floor.observe(scan(60, 2, 3)), [], 0, 500);
    assert.equal(floor.value, 50);
    floor.advance(50, 40, [], 0, 500);
    assert.equal(floor.value, 50);
  });

  it('once lowered by the sweep, is not raised by a scan that started above it', () => {
    const floor = new PublishedFloor();
    floor.observe(scan(100, 1, 2));
    floor.advance(0, floor.observe(scan(100, 2, 3)), [], 0, 500);
    assert.equal(floor.value, 100);
    floor.lower(41); // row 42 found unpublished
    floor.advance(100, floor.observe(scan(120, 3, 4)), [], 0, 500); // that scan began at 100
    assert.equal(floor.value, 41);
    floor.advance(41, floor.observe(scan(120, 4, 5)), [42], 1, 500);
    assert.equal(floor.value, 120);
  });

  it('an empty scan with nothing running moves the floor to what an earlier scan saw', () => {
    const floor = new PublishedFloor();
    assert.equal(floor.observe(scan(7, 5, 5)), undefined);
    floor.advance(0, floor.observe(scan(7, 6, 6)), [], 0, 500);
    assert.equal(floor.value, 7);
  });

  it('does not settle while a transaction that took a HIGHER id than any finished one is still running', () => {
    // A (xid 100) committed outbox id 10; B (xid 101) holds outbox id 9 and is still open. The
    // scan's snapshot: xmin 101 and xmax 101 (one past the highest finished id): B is neither
    // below xmax nor in the running list. The scan's own id, 102, is the ceiling.
    const floor = new PublishedFloor();
    assert.equal(floor.observe(scan(10, 101, 102)), undefined);
    floor.advance(0, undefined, [10], 1, 500);
    // The relay marked row 10 (xid 103) and scans again: B still runs, so xmin is still 101.
    const settled = floor.observe(scan(10, 101, 104));
    assert.equal(settled, undefined, "xmin 101 is below the first scan's ceiling 102");
    floor.advance(0, settled, [], 0, 500);
    assert.equal(floor.value, 0, 'row 9 of B can still appear');
    // B commits: a later scan's xmin passes both ceilings, and it returns row 9.
    const after = floor.observe(scan(10, 105, 105));
    assert.equal(after, 10);
    floor.advance(0, after, [9], 1, 500);
    assert.equal(floor.value, 10);
  });
});
