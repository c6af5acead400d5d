import { defineProject, mergeConfig } from "vitest/config"
import shared from "./vitest.shared.js"

/** The root project: tests of the repository itself (README example). */
export default mergeConfig(shared, defineProject({ test: { name: "root" } }))
