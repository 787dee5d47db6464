export * from './politique-de-la-ville-register';
