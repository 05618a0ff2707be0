import './error-messages.js';
import * as z from 'zod';

/** A Kubernetes DNS-1123 label: lower-case alphanumerics and '-', 1–63 characters. */
export const dns1123Label = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit');

export const containerImage = z
  .string()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters')
  .regex(/^[^\s]+$/, 'must not contain white space');
