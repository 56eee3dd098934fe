/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, or a count.
 * Nothing here is asserted inside `npm test`; targets are printed beside the figures.
 */
import os from "node:os";
import { measurePeakRss, measureThroughput } from "./siemFileParse";

const MB = 1024 * 1024;

function line(name: string, value: string, target: string, met: boolean): void {
  console.log(`${name.padEnd(44)} ${value.padEnd(28)} target ${target.padEnd(14)} ${met ? "met" : "MISSED"}`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  console.log(`mimecast-sentinel benchmarks — ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 1e9)} GB, node ${process.version}`,
  );
  console.log("");

  const throughput = await measureThroughput(quick ? 20 * MB : 100 * MB, quick ? 3 : 5);
  console.log(
    `SIEM batch file: ${throughput.lines} events (${throughput.uncompressedMB.toFixed(0)} MB uncompressed); ` +
      `client ${Math.round(throughput.clientEventsPerSec)} ev/s, raw baseline ${Math.round(throughput.rawEventsPerSec)} ev/s`,
  );
  line(
    "parse throughput, client ÷ raw baseline",
    `${throughput.ratio.toFixed(2)}×`,
    "≥ 0.80×",
    throughput.ratio >= 0.8,
  );

  const small = await measurePeakRss(10 * MB);
  const large = await measurePeakRss(quick ? 200 * MB : 1024 * MB);
  console.log(
    `peak RSS: ${small.lines} events → ${small.peakRssMB.toFixed(0)} MB; ${large.lines} events → ${large.peakRssMB.toFixed(0)} MB`,
  );
  const growth = large.peakRssMB / small.peakRssMB;
  line(
    "peak RSS, large file ÷ small file",
    `${growth.toFixed(2)}× (${(large.lines / small.lines).toFixed(0)}× events)`,
    "≤ 1.25× (flat)",
    growth <= 1.25,
  );
  line("peak RSS, large file", `${large.peakRssMB.toFixed(0)} MB`, "≤ 256 MB", large.peakRssMB <= 256);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
