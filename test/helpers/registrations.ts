/** Registration capture lives with the local engine, which runs the same captured handlers. */
export { captureRegistrations } from "../../src/localhost/registrations";
export type { Registration } from "../../src/localhost/registrations";
