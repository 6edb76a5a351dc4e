/**
 * How busy the machine and this process were during a measurement, printed next to a rate so a
 * reader can judge it: the event loop's delay (p99: how late a timer or an answer was handled),
 * the load average (1 min) against the cores, and this process's CPU time per message.
 */
import { availableParallelism, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";

export interface LoadProbe {
  /** Stops measuring; `messages` divides the CPU time. */
  stop(messages: number): string;
}

export function startLoadProbe(): LoadProbe {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    stop(messages) {
      delay.disable();
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      const wallMs = performance.now() - started;
      const p99 = delay.percentile(99) / 1e6;
      const [load1] = loadavg();
      return (
        `event-loop delay p99 ${p99.toFixed(1)} ms (max ${(delay.max / 1e6).toFixed(0)} ms); ` +
        `load average ${load1?.toFixed(1)} on ${availableParallelism()} cores; ` +
        `CPU ${((100 * cpuMs) / wallMs).toFixed(0)} % of one core, ` +
        `${(cpuMs / Math.max(1, messages)).toFixed(2)} ms a message`
      );
    },
  };
}
