-- The web app's own role (docker-compose.yml): it owns nothing; `riskkarta db up` grants it what the web does.
-- Change this password and the one in the app's DATABASE_URL together, before the first start.
CREATE ROLE riskkarta_web LOGIN PASSWORD 'riskkarta-web';
