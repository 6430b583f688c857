// The JS clients `make bench` measures beside kaizala, imported as their users import them (Node
// loads this file; scripts/bench.sh bundles it for the bench page).
export { ofetch } from 'ofetch';
export { request } from '@octokit/request';
export { default as ky } from 'ky';
