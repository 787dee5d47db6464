export { PolitiqueDeLaVilleApiModule } from './politique-de-la-ville-api.module';
export { politiqueDeLaVilleDomain } from './politique-de-la-ville-domain';
