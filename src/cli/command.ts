/** The shape every `irsde <command>` module exports. `run` returns the process exit code. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}
