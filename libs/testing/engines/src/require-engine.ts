/**
 * Integration tests run against real engines. In CI (CI=true) a missing engine is a failure;
 * elsewhere it is also a failure unless CI is unset and the developer set SKIP_MISSING_ENGINES=1.
 */
export class EngineMissingError extends Error {
  constructor(engine: string, debianPackage: string) {
    super(
      `${engine} is not installed: apt-get install -y --no-install-recommends ${debianPackage} ` +
        '(npm test installs it when run as root)',
    );
    this.name = 'EngineMissingError';
  }
}
