import * as z from 'zod';

/**
 * Messages a person reads in a 400: "is required" rather than zod's "expected string, received
 * undefined". Installed once, globally, by importing this module (lib/model/names.ts does).
 */
const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
};

z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return 'is required';
      const got = issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input;
      return `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`} (got ${got === 'number' && issue.expected === 'int' ? issue.input : got})`;
    }
    if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    return undefined;
  },
});
