/** A container's filesystem in the lab: real bytes, so a binary copied out hashes as in life. */
export interface LabFile {
  bytes: Buffer;
  mode: number;
}

export class VirtualFs {
  private readonly files = new Map<string, LabFile>();

  static from(entries: Record<string, { base64: string; mode: string }>): VirtualFs {
    const vfs = new VirtualFs();
    for (const [path, file] of Object.entries(entries)) vfs.write(path, Buffer.from(file.base64, 'base64'), parseInt(file.mode, 8));
    return vfs;
  }

  write(path: string, bytes: Buffer, mode = 0o644): void {
    this.files.set(normalize(path), { bytes, mode });
  }

  remove(path: string): void {
    this.files.delete(normalize(path));
  }

  read(path: string): LabFile | undefined {
    return this.files.get(normalize(path));
  }

  /** Entries directly under a directory; undefined when nothing lives under it. */
  list(directory: string): { name: string; file?: LabFile }[] | undefined {
    const prefix = normalize(directory) === '/' ? '/' : `${normalize(directory)}/`;
    const children = new Map<string, LabFile | undefined>();
    for (const [path, file] of this.files) {
      if (!path.startsWith(prefix)) continue;
      const [first, ...rest] = path.slice(prefix.length).split('/');
      children.set(first!, rest.length === 0 ? file : children.get(first!));
    }
    if (children.size === 0) return undefined;
    return [...children].sort(([a], [b]) => a.localeCompare(b)).map(([name, file]) => ({ name, ...(file ? { file } : {}) }));
  }

  clone(): VirtualFs {
    const copy = new VirtualFs();
    for (const [path, file] of this.files) copy.files.set(path, { bytes: file.bytes, mode: file.mode });
    return copy;
  }
}

/** Resolves "." and ".." the way the kernel would inside the container's root. */
export function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
