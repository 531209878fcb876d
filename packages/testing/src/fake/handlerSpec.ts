/**
 * How a test says what the fake answers: a value, a function of the params (and the call number), or
 * a list indexed by call number (the last entry repeats).
 */
export type HandlerSpec<P, R> = R | ((params: P, call: number) => R | Promise<R>) | readonly R[];

export function resolveHandlerSpec<P, R>(spec: HandlerSpec<P, R>, params: P, call: number): R | Promise<R> {
  if (typeof spec === "function") return (spec as (params: P, call: number) => R | Promise<R>)(params, call);
  if (Array.isArray(spec)) {
    const list = spec as readonly R[];
    return list[Math.min(call, list.length - 1)] as R;
  }
  return spec as R;
}
