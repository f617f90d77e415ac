/** The value of one sample (`name{labels} value`) in a Prometheus exposition at `url`, 0 when absent. */
export async function sample(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await samples(url, name, labels))[0] ?? 0;
}

/** The values of every sample of `name` whose labels include `labels`, in a Prometheus exposition at `url`: none when it has none. */
export async function samples(url: string, name: string, labels: Record<string, string> = {}): Promise<number[]> {
  const text = await (await fetch(url)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)))
    .map((l) => Number(l.split(' ').at(-1)));
}
