// Types of the box-boundary lint plugin (box-boundaries.js).
import type { ESLint } from 'eslint';

declare const plugin: ESLint.Plugin;
export default plugin;
