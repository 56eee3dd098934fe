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

  // Flat means the peak does not follow the file size. V8 sizes its heap lazily, so the first tens of
  // MB of head-room appear between a tiny and a medium file; between medium and large it must stay put.
  const sizes = quick ? [10 * MB, 50 * MB, 200 * MB] : [10 * MB, 100 * MB, 1024 * MB];
  const peaks = [];
  for (const size of sizes) peaks.push(await measurePeakRss(size));
  console.log("peak RSS: " + peaks.map((p) => `${p.lines} events → ${p.peakRssMB.toFixed(0)} MB`).join("; "));
  const medium = peaks[1]!;
  const large = peaks[2]!;
  const growthMB = large.peakRssMB - medium.peakRssMB;
  line(
    "peak RSS growth, large − medium file",
    `${growthMB.toFixed(0)} MB for ${(large.lines / medium.lines).toFixed(0)}× the events`,
    "≤ 32 MB (flat)",
    growthMB <= 32,
  );
  line("peak RSS, largest file", `${large.peakRssMB.toFixed(0)} MB`, "≤ 256 MB", large.peakRssMB <= 256);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
