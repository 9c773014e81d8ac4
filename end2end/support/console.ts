// Starting and stopping real RH Console processes (and the fake provider) for the tests.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const BIN = process.env.RHCONSOLE_BIN ?? join(__dirname, '../../target/debug/rhconsole');
const SITE_ROOT = process.env.RHCONSOLE_SITE_ROOT ?? join(__dirname, '../../target/site');

export const SANDBOX_KEY = 'sandbox-0123456789abcdef0123456789abcdef';

function waitForLine(proc: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolve(m);
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited with ${code}; output:\n${seen}`));
    });
  });
}

/** The fake RunningHub provider, in its own process so it outlives console restarts. */
export class Sandbox {
  /** `url`: the main site; `otherSite`: the second "site" (account endpoints only, see
   *  server/src/sandbox/account.rs). */
  constructor(private proc: ChildProcess, public url: string, public otherSite: string) {}

  static async start(): Promise<Sandbox> {
    const proc = spawn(BIN, ['sandbox', '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr?.on('data', () => {});
    const m = await waitForLine(proc, /on (http:\/\/127\.0\.0\.1:\d+) \(other site: (http:\/\/127\.0\.0\.1:\d+)\)/, 'the sandbox');
    return new Sandbox(proc, m[1], m[2]);
  }

  async stats(): Promise<{ submits: number; polls: number; uploads: number; submits_by_marker: Record<string, number> }> {
    const r = await fetch(`${this.url}/__sandbox/stats`);
    return r.json();
  }

  stop() {
    this.proc.kill('SIGTERM');
  }
}

/** Runs `rhconsole ARGS` over a data directory to its end; answers its exit code and output. */
export function runCli(dataDir: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['--data-dir', dataDir, '--log', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, output }));
  });
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface StartOptions {
  dataDir?: string;
  /** A fixed port (to restart on the same address); a free one otherwise. */
  port?: number;
  pollMs?: number;
  extraArgs?: string[];
}

/** One RH Console process over a data directory. */
export class Console {
  public setupLink: string | null = null;
  private output = '';

  private constructor(private proc: ChildProcess, public url: string, public dataDir: string, private opts: StartOptions) {}

  static async start(opts: StartOptions = {}): Promise<Console> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rhconsole-e2e-'));
    const args = [
      'serve',
      '--addr', `127.0.0.1:${opts.port ?? 0}`,
      '--data-dir', dataDir,
      '--poll-interval-ms', String(opts.pollMs ?? 400),
      '--retry-unit-ms', '100',
      '--site-root', SITE_ROOT,
      ...(opts.extraArgs ?? []),
    ];
    const proc = spawn(BIN, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RHCONSOLE_LOG: process.env.RHCONSOLE_LOG ?? 'warn' },
    });
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
      if (process.env.RHCONSOLE_E2E_VERBOSE) process.stderr.write(c);
    });
    const m = await waitForLine(proc, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 'RH Console');
    const c = new Console(proc, m[1], dataDir, opts);
    // The setup link is printed right after the address when there are no users.
    await new Promise((r) => setTimeout(r, 150));
    const link = output.match(/(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]+)/);
    c.setupLink = link ? link[1] : null;
    c.output = output;
    return c;
  }

  /** Stops the process: SIGTERM is a graceful stop, SIGKILL a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    await exited;
  }

  /** Stops and starts again on the same data directory (a new port). */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<Console> {
    await this.stop(signal);
    return Console.start({ ...this.opts, dataDir: this.dataDir });
  }

  cleanup() {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
