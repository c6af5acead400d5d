import * as path from "node:path"
import { defineConfig } from "vitest/config"

/** Settings shared by every package's vitest.config.ts. */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [path.join(import.meta.dirname, "vitest.setup.ts")],
    fakeTimers: { toFake: undefined },
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
