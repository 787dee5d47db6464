export { politiqueDeLaVilleService } from './service';
