DROP TABLE dialogue_bookings;
DROP TABLE dialogue_slots;
DROP TABLE dialogue_deliveries;
DROP TABLE dialogue_publications;
DROP TABLE dialogue_questions;
DROP TABLE dialogue_registrations;
DROP TABLE dialogue_invitations;
DROP TABLE dialogues;
