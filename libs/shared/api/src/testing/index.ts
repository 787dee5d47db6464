export { startTestApp, type TestApp, type TestResponse, type RequestOptions } from './test-app';
