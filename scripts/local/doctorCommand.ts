/** `npm start -- doctor` (being built: see issue 4 §3). */
export function runDoctor(_env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write("doctor is not available in this build\n");
  return Promise.resolve(2);
}
