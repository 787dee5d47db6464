export { startTestApp, type TestApp, type TestResponse, type RequestOptions, type Json } from './test-app';
