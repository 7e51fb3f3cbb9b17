DROP TABLE token_modules;
DROP TABLE api_tokens;
