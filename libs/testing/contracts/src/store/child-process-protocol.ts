/** Messages between a test and a child process serving a store (advanced IPC serialization). */
export interface ChildRequest {
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
}

export type ChildReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: {
        readonly message: string;
        readonly code?: string;
        readonly retryable?: boolean;
      };
    };
