DROP TABLE bounces;
DROP TABLE newsletters;
DROP TABLE digests;
DELETE FROM consents WHERE purpose IN ('digest', 'newsletter');
