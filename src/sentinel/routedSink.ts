import type { Sink, UploadOptions, UploadOutcome } from "./sink";
import type { SentinelRow, StreamSchema } from "./streams";

/**
 * Sends each stream to the sink of the DCR that declares it (Azure Monitor caps a DCR at 10 streams, so the
 * tables are spread over several DCRs). One sink per DCR, built once; the rest of the app sees one Sink.
 */
export class RoutedSink implements Sink {
  private readonly sinks = new Map<string, Sink>();

  constructor(
    private readonly ruleIdFor: (streamName: string) => string,
    private readonly sinkFor: (ruleId: string) => Sink,
    /** Whether every sink `sinkFor` builds sends prepared rows as they are (see Sink.sendsPrepared). */
    readonly sendsPrepared = false,
  ) {}

  upload(
    stream: StreamSchema,
    rows: readonly SentinelRow[],
    options?: UploadOptions,
  ): Promise<UploadOutcome> {
    const ruleId = this.ruleIdFor(stream.streamName);
    let sink = this.sinks.get(ruleId);
    if (!sink) {
      sink = this.sinkFor(ruleId);
      this.sinks.set(ruleId, sink);
    }
    return sink.upload(stream, rows, options);
  }

  async close(): Promise<void> {
    for (const sink of this.sinks.values()) await sink.close?.();
  }
}
