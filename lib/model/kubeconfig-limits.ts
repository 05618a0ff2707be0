/** The largest kubeconfig meshplane reads, inline or from a file (a real one is a few KiB). Apart from kubeconfig.ts so the schemas that cap it do not bring the YAML parser. */
export const MAX_KUBECONFIG_BYTES = 64 * 1024;
