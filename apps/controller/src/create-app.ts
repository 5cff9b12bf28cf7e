import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { malformedBodyErrors, rejectUnreadableBodies } from './common/body-parsing';
import { JsonLogger } from './common/json-logger';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';

/** Builds the controller application (REST) without listening; main.ts and the tests share it. */
export async function createApp(config: AppConfig, logger = new JsonLogger()): Promise<NestExpressApplication> {
  logger.setLevel(config.log.level);
  const httpsOptions = config.http.tls ? { cert: config.http.tls.cert, key: config.http.tls.key } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger,
    httpsOptions,
    bodyParser: false,
    abortOnError: false,
  });
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  // Strict JSON (objects and arrays only) and form bodies (OAuth and the PUQ compatibility surface).
  app.use(rejectUnreadableBodies);
  app.useBodyParser('json', { limit: config.http.bodyLimit, strict: true });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
  app.use(malformedBodyErrors);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('wgfleet REST API')
      .setDescription('WireGuard fleet manager. Errors always use the ErrorBody shape; writes return the host revision.')
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key wgf_<id>_<secret> or an OAuth access token' })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json', yamlDocumentUrl: 'api/openapi.yaml' });
  return app;
}
