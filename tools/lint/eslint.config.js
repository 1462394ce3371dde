// eslint for radixnet's TypeScript (src/, bench/, test/, scripts/): typescript-eslint's recommended rules, with `any`
// an error (a value of unknown shape is `unknown` and narrowed where it is read).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', '**/node_modules/**', 'examples/**', 'assembly/**', 'tools/**'] },
  { files: ['**/*.ts'], extends: [js.configs.recommended, ...tseslint.configs.recommended] },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_name` marks a value kept on purpose (a destructured field left out, a callback's unused argument)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
);
