/** Progress on stderr: files done / total, MB, rate, time left. Rewrites one line on a TTY, else a line every 2 s. */
export class Progress {
  private filesDone = 0;
  private bytesDone = 0;
  private downloadedBytes = 0;
  private readonly t0 = performance.now();
  private last = 0;

  constructor(
    private readonly stderr: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly quiet: boolean,
  ) {}

  private line(): string {
    const s = (performance.now() - this.t0) / 1000;
    const rate = s > 0 ? this.downloadedBytes / 1e6 / s : 0;
    const left = this.bytesTotal - this.bytesDone;
    const eta = rate > 0 && left > 0 ? `, ${(left / 1e6 / rate).toFixed(0)} s left` : '';
    return `  ${this.filesDone}/${this.filesTotal} files, ${(this.bytesDone / 1e6).toFixed(1)}/${(this.bytesTotal / 1e6).toFixed(1)} MB, ${rate.toFixed(1)} MB/s${eta}`;
  }

  private render(force = false): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = Boolean(this.stderr.isTTY);
    if (!force && now - this.last < (tty ? 100 : 2000)) return;
    this.last = now;
    this.stderr.write(tty ? `\r${this.line()}\u001b[K` : `${this.line()}\n`);
  }

  bytes(n: number): void {
    this.bytesDone += n;
    this.downloadedBytes += n;
    this.render();
  }

  /** A file finished; `countedBytes` are its bytes not already reported through bytes(). */
  fileDone(countedBytes: number, _downloaded: boolean): void {
    this.filesDone++;
    this.bytesDone += countedBytes;
    this.render();
  }

  note(s: string): void {
    if (this.quiet) return;
    this.stderr.write(`${this.stderr.isTTY ? '\r\u001b[K' : ''}${s}\n`);
  }

  finish(): void {
    this.render(true);
    if (!this.quiet && this.stderr.isTTY) this.stderr.write('\n');
  }
}
