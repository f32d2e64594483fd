/** A path typed or listed by the user as part of an API path: each segment encoded, the slashes kept. */
export const apiPath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
