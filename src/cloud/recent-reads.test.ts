import { RecentReads } from './recent-reads';

function counted(values: string[]) {
  let calls = 0;
  return {
    read: () => Promise.resolve(values[calls++] ?? `read ${calls}`),
    get calls() {
      return calls;
    },
  };
}

test('reads within the TTL share one read, in flight or done; after it, the object is read again', async () => {
  let now = 1_000;
  const reads = new RecentReads<string>(10_000, () => now);
  const source = counted(['first', 'second']);
  expect(await Promise.all([reads.read('a', source.read), reads.read('a', source.read)])).toEqual(['first', 'first']);
  now += 9_999;
  expect(await reads.read('a', source.read)).toBe('first');
  now += 1;
  expect(await reads.read('a', source.read)).toBe('second');
  expect(source.calls).toBe(2);
});

test('a failed read is not kept: the next caller asks again', async () => {
  const reads = new RecentReads<string>(10_000, () => 0);
  await expect(reads.read('a', () => Promise.reject(new Error('403 from the API')))).rejects.toThrow('403');
  await expect(reads.read('a', () => Promise.resolve('granted'))).resolves.toBe('granted');
});

test('a kept read that no longer fits (another uid under the same name) is read again and replaces it', async () => {
  const reads = new RecentReads<{ uid: string }>(10_000, () => 0);
  await reads.read('ReplicaSet/checkout/api-1', () => Promise.resolve({ uid: 'old' }));
  const fits = (kept: { uid: string }) => kept.uid === 'new';
  await expect(reads.read('ReplicaSet/checkout/api-1', () => Promise.resolve({ uid: 'new' }), fits)).resolves.toEqual({ uid: 'new' });
  await expect(reads.read('ReplicaSet/checkout/api-1', () => Promise.reject(new Error('not read again')), fits)).resolves.toEqual({ uid: 'new' });
});

test('forget sends the next read to the API; a TTL of 0 keeps nothing; expired reads are swept', async () => {
  let now = 0;
  const reads = new RecentReads<string>(1_000, () => now);
  const source = counted([]);
  await reads.read('a', source.read);
  reads.forget('a');
  await reads.read('a', source.read);
  expect(source.calls).toBe(2);

  for (let i = 0; i < 50; i++) await reads.read(`workload-${i}`, source.read);
  expect(reads.size).toBe(51);
  now += 1_000;
  await reads.read('b', source.read);
  expect(reads.size).toBe(1);

  const none = new RecentReads<string>(0);
  const uncached = counted([]);
  await none.read('a', uncached.read);
  await none.read('a', uncached.read);
  expect(uncached.calls).toBe(2);
  expect(none.size).toBe(0);
});

test('forgetting by prefix sends the next read of each matching key to the API, and keeps the rest', async () => {
  const reads = new RecentReads<string>(10_000, () => 0);
  const source = counted([]);
  for (const key of ['podsample/checkout/21/app=api', 'podsample/checkout/2/app=api', 'podsample/payments/21/app=api', 'serviceaccount/checkout/api']) await reads.read(key, source.read);
  reads.forgetStartingWith('podsample/checkout/');
  expect(reads.size).toBe(2);
  for (const key of ['podsample/checkout/21/app=api', 'podsample/payments/21/app=api', 'serviceaccount/checkout/api']) await reads.read(key, source.read);
  expect(source.calls).toBe(5);
});
